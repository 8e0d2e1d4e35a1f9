import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, ERROR_CODES, streamIds, userDecider } from '@certm3/domain';
import {
  collect,
  eventIdFor,
  EventStore,
  sealMetadata,
  EventStoreUnavailableError,
  RecordedEvent,
  StreamAppend,
  StreamCondition,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { EVENT_STORE } from '@certm3/app-runtime';
import { CommandReply, ErrorDetail } from '@certm3/contracts';
import { CommandContext, CommandResult } from './command-context';
import { ActiveActors } from './active-actors';
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
 * command id, together with the command's events, so that any later delivery of the same id appends
 * nothing and gets the same answer.
 */
@Injectable()
export class CommandExecutor {
  private readonly logger = new Logger('CommandExecutor');

  private readonly activeActors = new ActiveActors();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(
    context: CommandContext,
    handler: (session: StreamSession) => Promise<CommandResult>,
    options: { requiresActor: boolean },
  ): Promise<CommandReply> {
    try {
      // Where the store commits a command's events and its outcome together, a replayed command id is
      // caught at commit by the outcome's "no stream" expectation, and nothing it decided is written; where
      // it cannot, the first answer is looked up before anything is decided.
      if (!this.store.multiStreamAppendIsAtomic) {
        const previous = await this.recordedOutcome(context);
        if (previous) return previous;
      }

      const now = new Date().toISOString();
      for (let attempt = 1; ; attempt++) {
        const actor = options.requiresActor ? await this.actorCondition(context.actorId!) : undefined;
        if (actor === null) {
          // A replay's first answer stands whatever its actor's state now.
          return (
            (await this.recordedOutcome(context)) ??
            failure('FORBIDDEN', 'the acting user does not exist or is deactivated', [])
          );
        }
        const session = new StreamSession(this.store, context, context.actorId, now);
        try {
          let reply: CommandReply;
          try {
            const result = await handler(session);
            reply = { ok: true, data: { ...result } };
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            session.discard();
            reply = failure(error.code, error.message, error.details);
          }
          return await this.commit(context, session, reply, actor);
        } catch (error) {
          if (error instanceof CommandValidationError) {
            // Not recorded: the same body fails the same way every time.
            return failure('VALIDATION_FAILED', ERROR_CODES.VALIDATION_FAILED, error.details);
          }
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (actor && error.streamId === actor.streamId) this.activeActors.forget(context.actorId!);
          if (attempt >= MAX_ATTEMPTS) {
            return failure(
              'CONCURRENCY_CONFLICT',
              `${ERROR_CODES.CONCURRENCY_CONFLICT} (${attempt} attempts)`,
              [{ stream: error.streamId }],
            );
          }
          await jitter(attempt);
        }
      }
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

  /** The actor's stream as the command must find it at commit, or null when the actor may not act. */
  private async actorCondition(actorId: string): Promise<StreamCondition | null> {
    const streamId = streamIds.user(actorId);
    const remembered = this.activeActors.revisionOf(actorId);
    if (remembered !== undefined) return { streamId, expectedRevision: remembered };
    const session = new StreamSession(
      this.store,
      { commandId: '', commandName: '', correlationId: '', actorId, bodyDigest: '' },
      actorId,
      '',
    );
    const { state, events } = await session.load(streamId, userDecider);
    if (!state.exists || state.status !== 'active') return null;
    const revision = events[events.length - 1].revision;
    this.activeActors.remember(actorId, revision);
    return { streamId, expectedRevision: revision };
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

  /**
   * Writes the command's events and its outcome under the command id, in one call. First writer wins: if
   * another delivery of this command id recorded first, its reply is the answer.
   */
  private async commit(
    context: CommandContext,
    session: StreamSession,
    reply: CommandReply,
    actor: StreamCondition | undefined,
  ): Promise<CommandReply> {
    const outcome = outcomeRecord(context, reply);
    try {
      await session.flush(outcome, actor ? [actor] : []);
      return reply;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || error.streamId !== outcome.streamId) throw error;
      return (await this.recordedOutcome(context)) ?? reply;
    }
  }
}

function outcomeRecord(context: CommandContext, reply: CommandReply): StreamAppend {
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
  return { streamId, events: [{ id: eventId, type, data, metadata }], expectedRevision: 'no_stream' };
}

export function failure(code: ErrorCode, message: string, details: readonly ErrorDetail[]): CommandReply {
  return { ok: false, error: { code, message, details } };
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
