import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, ERROR_CODES, streamIds, userDecider } from '@certm3/domain';
import {
  collect,
  eventIdFor,
  EventStore,
  sealMetadata,
  EventStoreUnavailableError,
  RecordedEvent,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { EVENT_STORE } from '@certm3/app-runtime';
import { CommandReply, ErrorDetail } from '@certm3/contracts';
import { CommandContext, CommandResult } from './command-context';
import { StreamSession } from './stream-session';

const MAX_ATTEMPTS = 6;

/** Raised by handlers for input the schema cannot express (e.g. a PEM that is not a certificate). */
export class CommandValidationError extends Error {
  constructor(readonly details: readonly ErrorDetail[]) {
    super('the command failed validation');
  }
}

/**
 * Runs one command: answers a repeated command id with its first reply, checks the actor, retries the
 * handler on optimistic-concurrency conflicts (bounded, with jitter), and records the outcome under the
 * command id so that any later delivery of the same id appends nothing and gets the same answer.
 */
@Injectable()
export class CommandExecutor {
  private readonly logger = new Logger('CommandExecutor');

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(
    context: CommandContext,
    handler: (session: StreamSession) => Promise<CommandResult>,
    options: { requiresActor: boolean },
  ): Promise<CommandReply> {
    try {
      const previous = await this.recordedOutcome(context);
      if (previous) return previous;

      const now = new Date().toISOString();
      if (options.requiresActor) await this.assertActorMayAct(context.actorId!);

      let reply: CommandReply | undefined;
      for (let attempt = 1; !reply; attempt++) {
        const session = new StreamSession(this.store, context, context.actorId, now);
        try {
          const result = await handler(session);
          reply = { ok: true, data: { ...result } };
        } catch (error) {
          if (error instanceof DomainError) {
            reply = failure(error.code, error.message, error.details);
          } else if (error instanceof CommandValidationError) {
            // Not recorded: the same body fails the same way every time.
            return failure('VALIDATION_FAILED', ERROR_CODES.VALIDATION_FAILED, error.details);
          } else if (error instanceof WrongExpectedRevisionError) {
            if (attempt >= MAX_ATTEMPTS) {
              return failure(
                'CONCURRENCY_CONFLICT',
                `${ERROR_CODES.CONCURRENCY_CONFLICT} (${attempt} attempts)`,
                [{ stream: error.streamId }],
              );
            }
            await jitter(attempt);
          } else {
            throw error;
          }
        }
      }
      return await this.recordOutcome(context, reply);
    } catch (error) {
      if (error instanceof DomainError) return failure(error.code, error.message, error.details);
      if (error instanceof EventStoreUnavailableError) {
        this.logger.warn({ message: 'event store unavailable', correlationId: context.correlationId });
        return failure('UNAVAILABLE', ERROR_CODES.UNAVAILABLE, []);
      }
      this.logger.error({
        message: 'command failed unexpectedly',
        command: context.commandName,
        commandId: context.commandId,
        correlationId: context.correlationId,
        error: error instanceof Error ? error.message : String(error),
      });
      return failure('INTERNAL', `${ERROR_CODES.INTERNAL} correlation id: ${context.correlationId}`, []);
    }
  }

  private async assertActorMayAct(actorId: string): Promise<void> {
    const session = new StreamSession(
      this.store,
      { commandId: '', commandName: '', correlationId: '', actorId, bodyDigest: '' },
      actorId,
      '',
    );
    const { state } = await session.load(streamIds.user(actorId), userDecider);
    if (!state.exists || state.status !== 'active') {
      throw new DomainError('FORBIDDEN', 'the acting user does not exist or is deactivated');
    }
  }

  private async recordedOutcome(context: CommandContext): Promise<CommandReply | undefined> {
    let recorded: RecordedEvent[];
    try {
      recorded = await collect(this.store.readStream(streamIds.command(context.commandId), { maxCount: 1 }));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    const outcome = recorded[0]?.data as
      { commandName?: string; bodyDigest?: string; reply?: CommandReply } | undefined;
    if (!outcome?.reply) return undefined;
    if (outcome.commandName !== context.commandName || outcome.bodyDigest !== context.bodyDigest) {
      return failure('COMMAND_ID_REUSED', ERROR_CODES.COMMAND_ID_REUSED, [{ field: 'command-id' }]);
    }
    return outcome.reply;
  }

  /** First writer wins: if another delivery of this command id recorded first, its reply is the answer. */
  private async recordOutcome(context: CommandContext, reply: CommandReply): Promise<CommandReply> {
    const streamId = streamIds.command(context.commandId);
    const eventId = eventIdFor(context.commandId, `${streamId}/0`);
    const type = reply.ok ? 'CommandSucceeded' : 'CommandRejected';
    const data = { commandName: context.commandName, bodyDigest: context.bodyDigest, reply: reply as never };
    const metadata = sealMetadata(
      {
        streamId,
        revision: 0n,
        type,
        data,
        metadata: {
          eventId,
          commandId: context.commandId,
          commandName: context.commandName,
          correlationId: context.correlationId,
          causationId: context.commandId,
          actorId: context.actorId ?? (reply.ok ? reply.data.id : context.commandId),
          occurredAt: new Date().toISOString(),
          schemaVersion: 1,
        },
      },
      null,
    );
    try {
      await this.store.append(streamId, [{ id: eventId, type, data, metadata }], {
        expectedRevision: 'no_stream',
      });
      return reply;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      return (await this.recordedOutcome(context)) ?? reply;
    }
  }
}

export function failure(code: ErrorCode, message: string, details: readonly ErrorDetail[]): CommandReply {
  return { ok: false, error: { code, message, details } };
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
