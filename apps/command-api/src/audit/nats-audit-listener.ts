import { describeError } from '@certm3/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, Subscription } from 'nats';
import { history, isEntityKind, stateAt, verifyLog, ENTITY_KINDS } from '@certm3/audit';
import { EVENT_STORE, NATS_CONNECTION, NatsConnectionHolder } from '@certm3/app-runtime';
import {
  AUDIT_QUERIES,
  AUDIT_QUERY_PERMISSION,
  auditSubjectWildcard,
  HEADERS,
  MAX_COMMAND_BYTES,
} from '@certm3/contracts';
import { isUuid } from '@certm3/common';
import { EventStore, EventStoreUnavailableError, ReadAllUnsettledError } from '@certm3/event-store';
import { CommandExecutor, failure } from '../execution/command-executor';
import { COMMAND_TRANSPORT_SETTINGS, CommandTransportSettings } from '../transport/nats-command-listener';
import { respond } from '../transport/respond';
import { whenServing } from '../transport/when-serving';

/**
 * Audit queries over NATS request-reply, for services that cannot run the audit CLI: the same answers,
 * read from the event log (never the read tables), secrets redacted. Each needs an `actor-id` header naming an
 * active user who holds audit:read everywhere (FORBIDDEN / PERMISSION_DENIED otherwise).
 *   <prefix>.audit.history   {"kind":"user","id":"…"}
 *   <prefix>.audit.state-at  {"kind":"user","id":"…","at":"2026-01-01T00:00:00Z"}
 *   <prefix>.audit.verify    {}
 */
@Injectable()
export class NatsAuditListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NatsAuditListener');
  private subscription: Subscription | undefined;
  /** Resolves once subscribed (NATS and the event store both answered). */
  ready: Promise<void> = Promise.resolve();
  private verifying = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnectionHolder,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(COMMAND_TRANSPORT_SETTINGS) private readonly settings: CommandTransportSettings,
    private readonly executor: CommandExecutor,
  ) {}

  onApplicationBootstrap(): void {
    this.ready = whenServing(this.nats, this.store).then(
      async (connection) => {
        this.subscription = connection.subscribe(auditSubjectWildcard(this.settings.subjectPrefix), {
          queue: `${this.settings.subjectPrefix}-audit`,
          callback: (_error, message) =>
            void this.handle(message).catch((error: unknown) =>
              this.logger.error({ message: 'audit query handling failed', error: describeError(error) }),
            ),
        });
        // Ready once the server has the subscription (see NatsCommandListener).
        await connection.flush().catch(() => undefined);
      },
      () => undefined, // closed before it could serve: shutting down
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription && !this.subscription.isClosed()) await this.subscription.drain();
  }

  private async handle(message: Msg): Promise<void> {
    if (!message.reply) return;
    const query = message.subject.slice(`${this.settings.subjectPrefix}.audit.`.length);
    let reply: unknown;
    try {
      // The audit trail is the audit:read permission's: an active actor holding it everywhere.
      const actorId = message.headers?.get(HEADERS.actorId);
      reply =
        (await this.executor.authorizeQuery(
          isUuid(actorId) ? actorId.toLowerCase() : undefined,
          AUDIT_QUERY_PERMISSION,
        )) ?? (await this.answer(query, message.data));
    } catch (error) {
      if (error instanceof EventStoreUnavailableError)
        reply = failure('UNAVAILABLE', 'the event store is unavailable', []);
      else if (error instanceof ReadAllUnsettledError)
        // Retryable: a transaction older than the query kept the log's end uncertain.
        reply = failure('UNAVAILABLE', error.message, []);
      else {
        this.logger.error({
          message: 'audit query failed',
          query,
          error: describeError(error),
        });
        reply = failure('INTERNAL', 'An unexpected error', []);
      }
    }
    respond(message, reply, { nats: this.nats, logger: this.logger });
  }

  private async answer(query: string, data: Uint8Array): Promise<unknown> {
    if (!(AUDIT_QUERIES as readonly string[]).includes(query)) {
      return failure('UNKNOWN_COMMAND', `no audit query named "${query}"`, [
        { field: 'subject', known: AUDIT_QUERIES },
      ]);
    }
    if (data.length > MAX_COMMAND_BYTES)
      return failure('MALFORMED_MESSAGE', 'the body is too large', [{ field: 'body' }]);
    let body: Record<string, unknown>;
    try {
      body = data.length === 0 ? {} : JSON.parse(Buffer.from(data).toString('utf8'));
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error();
    } catch {
      return failure('MALFORMED_MESSAGE', 'the body must be a JSON object', [{ field: 'body' }]);
    }
    if (query === 'verify') {
      // It reads the whole log: one at a time per instance, so a burst of requests cannot pile up reads.
      if (this.verifying)
        return failure('UNAVAILABLE', 'a verification is already running here; ask again later', []);
      this.verifying = true;
      try {
        return { ok: true, data: await verifyLog(this.store.readAll({ whenUnsettled: 'fail' })) };
      } finally {
        this.verifying = false;
      }
    }

    const problems = [];
    const { kind, id, at } = body;
    if (typeof kind !== 'string' || !isEntityKind(kind))
      problems.push({
        field: 'kind',
        problems: [`kind must be one of ${Object.keys(ENTITY_KINDS).join(', ')}`],
      });
    if (typeof id !== 'string' || id.length === 0 || id.length > 255)
      problems.push({ field: 'id', problems: ['id must be a non-empty string'] });
    const instant = typeof at === 'string' ? Date.parse(at) : Number.NaN;
    if (query === 'state-at' && Number.isNaN(instant))
      problems.push({ field: 'at', problems: ['at must be an ISO-8601 instant'] });
    if (problems.length > 0) return failure('VALIDATION_FAILED', 'the query failed validation', problems);

    if (query === 'history')
      return { ok: true, data: await history(this.store, kind as keyof typeof ENTITY_KINDS, id as string) };
    return {
      ok: true,
      data: await stateAt(this.store, kind as keyof typeof ENTITY_KINDS, id as string, new Date(instant)),
    };
  }
}
