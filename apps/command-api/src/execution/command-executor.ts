import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError, errorMessage } from '@certm3/common';
import { DomainError, ErrorCode, ERROR_CODES, PermissionName, streamIds } from '@certm3/domain';
import {
  collect,
  eventIdFor,
  EventStore,
  sealMetadata,
  EventStoreUnavailableError,
  RecordedEvent,
  serializePosition,
  StreamAppend,
  StreamCondition,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { EVENT_STORE } from '@certm3/app-runtime';
import { assertPermissionDeclared, CommandReply, ErrorDetail } from '@certm3/contracts';
import { CommandContext, CommandResult } from './command-context';
import { CommandDefinition, CommandServices } from './command-definition';
import { AccessCheck, AccessReader, AccessTarget } from './access-control';
import { StreamSession } from './stream-session';

const MAX_ATTEMPTS = 6;

export const COMMAND_SERVICES = Symbol('COMMAND_SERVICES');

/** Raised by definitions for input the schema cannot express (e.g. a PEM that is not a certificate). */
export class CommandValidationError extends Error {
  constructor(readonly details: readonly ErrorDetail[]) {
    super('the command failed validation');
  }
}

/**
 * Runs any command's definition: answers a repeated command id with its first reply, checks the actor,
 * prepares once, decides (again, on fresh reads, when a stream it read moved before the commit — bounded,
 * with jitter), and records the outcome under the command id together with the command's events, so that
 * any later delivery of the same id appends nothing and gets the same answer.
 */
@Injectable()
export class CommandExecutor {
  private readonly logger = new Logger('CommandExecutor');

  private readonly access: AccessReader;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(COMMAND_SERVICES) private readonly services: CommandServices,
  ) {
    this.access = new AccessReader(store);
  }

  /**
   * For a read-only question (the audit queries): whether `actorId` is active and holds `permission`
   * globally, read afresh (nothing commits to catch a stale memory). Nothing is recorded; a refusal is the
   * reply's error.
   */
  async authorizeQuery(
    actorId: string | undefined,
    permission: PermissionName,
  ): Promise<CommandReply | undefined> {
    if (!actorId) return failure('FORBIDDEN', 'the query needs an actor-id header', [{ field: 'actor-id' }]);
    const actor = await this.access.actingUser(actorId, { fresh: true });
    if ('refusedOn' in actor) return failure('FORBIDDEN', ERROR_CODES.FORBIDDEN, []);
    const roles = await this.access.rolesFor(actor.assignments, { fresh: true });
    try {
      // A global grant needs no target, so the check reads nothing through a session.
      await new AccessCheck(actor, roles, undefined).require(permission, undefined);
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) return failure(error.code, error.message, error.details);
      throw error;
    }
  }

  /** Deny by default: a definition whose contract declares no permission cannot be registered. */
  static assertRunnable(definitions: readonly CommandDefinition[]): void {
    for (const definition of definitions) assertPermissionDeclared(definition.contract);
  }

  async execute(
    definition: CommandDefinition,
    body: object,
    incoming: CommandContext,
  ): Promise<CommandReply> {
    try {
      try {
        assertPermissionDeclared(definition.contract);
      } catch (error) {
        // Unreachable through the module, which refuses to start with such a definition; defence in depth.
        return failure('FORBIDDEN', errorMessage(error), []);
      }
      // Where the store commits a command's events and its outcome together, a replayed command id is
      // caught at commit by the outcome's "no stream" expectation, and nothing it decided is written; where
      // it cannot, the first answer is looked up before anything is decided.
      if (!this.store.multiStreamAppendIsAtomic) {
        const previous = await this.recordedOutcome(incoming, definition);
        if (previous) return previous;
      }
      let prepared: unknown;
      try {
        prepared = await definition.prepare?.({ body: body as never, context: incoming }, this.services);
      } catch (error) {
        if (error instanceof CommandValidationError) return validationFailure(error);
        throw error;
      }
      const actingUser = definition.actingUser?.({ body: body as never, context: incoming, prepared });
      const context = actingUser ? { ...incoming, actorId: actingUser } : incoming;
      const requiresActor = definition.contract.actor === 'required';

      const now = new Date(this.services.clock?.() ?? Date.now()).toISOString();
      const input = { body: body as never, context, prepared };
      const target = definition.target?.(input);
      const permission = definition.contract.permission;
      const selfService =
        definition.contract.selfService !== undefined && (definition.actsOnSelf?.(input) ?? false);
      for (let attempt = 1; ; attempt++) {
        const session = new StreamSession(this.store, context, context.actorId, now);
        const actor = requiresActor ? await this.access.actingUser(context.actorId!) : undefined;
        if (actor && 'refusedOn' in actor) {
          // A replay's first answer stands whatever its actor's state now; a new command is refused, and the
          // refusal recorded (the audit log shows who tried) on the actor's stream as read.
          const previous = await this.recordedOutcome(context, definition);
          if (previous) return previous;
          const refusal = failure('FORBIDDEN', ERROR_CODES.FORBIDDEN, []);
          try {
            return await this.commit(context, definition, session, refusal, [actor.refusedOn], target);
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
            await jitter(attempt);
            continue;
          }
        }
        const access = actor
          ? new AccessCheck(actor, await this.access.rolesFor(actor.assignments), session)
          : undefined;
        try {
          let reply: CommandReply;
          try {
            const reads = definition.reads?.(input);
            if (reads && reads.length > 0) await session.preload(reads);
            if (access && typeof permission === 'string' && !selfService)
              await access.require(
                permission,
                definition.scope ? await definition.scope({ ...input, session }) : target,
              );
            const result: CommandResult = await definition.decide({
              ...input,
              session,
              services: this.services,
              access,
              selfService,
            });
            reply = { ok: true, data: { ...result } };
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            session.discard();
            reply = failure(error.code, error.message, error.details);
          }
          return await this.commit(
            context,
            definition,
            session,
            reply,
            access?.commitConditions() ?? [],
            target,
          );
        } catch (error) {
          if (error instanceof CommandValidationError) return validationFailure(error);
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          this.access.forgetStream(error.streamId);
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
        this.logger.warn({ message: 'event store unavailable', correlationId: incoming.correlationId });
        return failure('UNAVAILABLE', ERROR_CODES.UNAVAILABLE, []);
      }
      this.logger.error({
        message: 'command failed unexpectedly',
        command: incoming.commandName,
        commandId: incoming.commandId,
        correlationId: incoming.correlationId,
        error: describeError(error),
      });
      return failure('INTERNAL', `${ERROR_CODES.INTERNAL} correlation id: ${incoming.correlationId}`, []);
    }
  }

  private async recordedOutcome(
    context: CommandContext,
    definition: CommandDefinition,
  ): Promise<CommandReply | undefined> {
    let recorded: RecordedEvent[];
    try {
      recorded = await collect(this.store.readStream(streamIds.command(context.commandId), { maxCount: 1 }));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    const [outcome] = recorded;
    const data = outcome?.data as
      { commandName?: string; bodyDigest?: string; secretsDigest?: string; reply?: CommandReply } | undefined;
    if (!data?.reply) return undefined;
    const sameActor =
      definition.contract.actor !== 'required' || outcome.metadata.actorId === context.actorId;
    if (data.commandName !== context.commandName || !context.matchesRecorded(data) || !sameActor) {
      return failure('COMMAND_ID_REUSED', ERROR_CODES.COMMAND_ID_REUSED, [{ field: 'command-id' }]);
    }
    // Rebuilt in the order a first answer has its keys (jsonb stores them sorted its own way).
    const reply: CommandReply = data.reply.ok
      ? { ok: true, data: data.reply.data }
      : failure(data.reply.error.code, data.reply.error.message, data.reply.error.details);
    return withPosition(reply, serializePosition(outcome.position));
  }

  /**
   * Writes the command's events and its outcome under the command id, in one call, on the condition that
   * every stream the decision read is still as it was read. First writer wins: if another delivery of this
   * command id recorded first, its reply is the answer.
   */
  private async commit(
    context: CommandContext,
    definition: CommandDefinition,
    session: StreamSession,
    reply: CommandReply,
    conditions: readonly StreamCondition[],
    target: AccessTarget | undefined,
  ): Promise<CommandReply> {
    const outcome = outcomeRecord(context, recordable(reply, definition.contract.shownOnce), target);
    try {
      const results = await session.flush(outcome, conditions);
      return withPosition(reply, serializePosition(results[results.length - 1].position));
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || error.streamId !== outcome.streamId) throw error;
      return (await this.recordedOutcome(context, definition)) ?? reply;
    }
  }
}

function outcomeRecord(
  context: CommandContext,
  reply: CommandReply,
  target: AccessTarget | undefined,
): StreamAppend {
  const streamId = streamIds.command(context.commandId);
  const eventId = eventIdFor(context.commandId, `${streamId}/0`);
  const type = reply.ok ? 'CommandSucceeded' : 'CommandRejected';
  const data = {
    commandName: context.commandName,
    bodyDigest: context.bodyDigest,
    ...(context.secretsDigest ? { secretsDigest: context.secretsDigest } : {}),
    reply: reply as never,
    // Where the command was aimed, for the audit log of a refusal (an accepted command's events say it).
    ...(target && !reply.ok ? { target: { type: target.type, id: target.id } } : {}),
  };
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

/** The reply as it is recorded: without what only the first answer carries. */
function recordable(reply: CommandReply, shownOnce: readonly string[] | undefined): CommandReply {
  if (!reply.ok || !shownOnce || shownOnce.length === 0) return reply;
  const data: Record<string, unknown> = { ...reply.data };
  for (const field of shownOnce) delete data[field];
  return { ok: true, data: { ...data, withheld: [...shownOnce] } as unknown as typeof reply.data };
}

/** An accepted command's reply names where its last event is in the log (read-your-writes). */
function withPosition(reply: CommandReply, position: string): CommandReply {
  return reply.ok ? { ok: true, data: { ...reply.data, position } } : reply;
}

export function failure(code: ErrorCode, message: string, details: readonly ErrorDetail[]): CommandReply {
  return { ok: false, error: { code, message, details } };
}

function validationFailure(error: CommandValidationError): CommandReply {
  // Not recorded: the same body fails the same way every time.
  return failure('VALIDATION_FAILED', ERROR_CODES.VALIDATION_FAILED, error.details);
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
