import { Logger } from '@nestjs/common';
import { Kysely } from 'kysely';
import { Client, escapeIdentifier, Pool } from 'pg';
import { describeError, errorMessage } from '@certm3/common';
import {
  AllSubscription,
  collect,
  EventStore,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { ensureDatabase, isConnectionError } from '@certm3/pg-support';
import {
  applyEventsInTransaction,
  BatchObserver,
  EventApplyError,
  readCheckpoint,
  recordOperatorSkip,
  SKIPPED_BY_OPERATOR,
  skipEventInTransaction,
  UnknownEventPolicy,
} from '../batch/apply-batch';
import { BookkeepingDatabase } from '../bookkeeping/bookkeeping';
import { lockKey, ReadModel } from '../model/define-read-model';
import { rebuildReadModel, RebuildReport } from '../operations/rebuild';
import { prepareReadModel } from '../schema/prepare-read-model';
import { SchemaMismatchError } from '../schema/sync-schema';
import { ProjectorMetrics } from './projector-metrics';
import { kyselyOnClient } from './single-connection';

export interface ReadModelRunnerOptions {
  readonly model: ReadModel;
  readonly store: EventStore;
  readonly databaseUrl: string;
  readonly batchSize?: number;
  readonly unknownEventPolicy?: UnknownEventPolicy;
  /** How often a standby instance tries to take over, and a halted one retries on its own. */
  readonly standbyPollMs?: number;
  readonly haltedRetryMs?: number;
  /** Backoff between attempts to reach the database (create it, migrate, sync, connect). */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly metrics?: ProjectorMetrics;
}

export interface HaltedEvent {
  readonly position: string;
  readonly streamId: string;
  readonly revision: string;
  readonly type: string;
  readonly error: string;
  readonly since: string;
}

export type RunnerRole = 'starting' | 'standby' | 'rebuilding' | 'active' | 'stopped';

export interface RunnerStatus {
  readonly model: string;
  readonly role: RunnerRole;
  readonly checkpoint: string | null;
  readonly eventsAppliedSinceStart: number;
  readonly halted: HaltedEvent | null;
  /** Why the model is not projecting (the database unreachable, its schema differing), or null. */
  readonly lastError: string | null;
}

export interface Lag {
  readonly events: number;
  readonly capped: boolean;
  readonly milliseconds: number;
}

const NOT_READY = Symbol('not ready');

/**
 * The runner's own rebuild failed for a reason other than an event or the database being unreachable (it
 * was refused, say): trying again at once would replay the whole log for the same answer, so the runner
 * waits as long as it waits for a migration.
 */
class StartupRebuildError extends Error {
  constructor(cause: unknown) {
    super(`rebuilding the tables for the changed definition failed: ${errorMessage(cause)}`, { cause });
    this.name = 'StartupRebuildError';
  }
}

/**
 * Keeps one read model in step with the log, in its own database: creates the database, migrates and syncs
 * its schema, takes the model's writer lock (another instance stands by), rebuilds the tables if the
 * definition changed since they were built, subscribes from the stored checkpoint, and applies events in
 * batches, each batch and its checkpoint in one transaction, so a crash at any instant neither loses nor
 * repeats an event. An event that cannot be applied halts this model on that event (named in the health
 * report) until an operator retries or skips it; other models go on. The database being down, at start or
 * later, only makes it retry with backoff.
 */
export class ReadModelRunner {
  readonly model: ReadModel;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly unknownEventPolicy: UnknownEventPolicy;
  private readonly standbyPollMs: number;
  private readonly haltedRetryMs: number;
  private readonly pool: Pool;
  private role: RunnerRole = 'starting';
  private checkpoint: string | null = null;
  private appliedSinceStart = 0;
  private halted: (HaltedEvent & { event: RecordedEvent }) | null = null;
  private lastError: string | null = null;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private client: Client | undefined;
  private subscription: AllSubscription | undefined;
  private readonly sleepers = new Set<() => void>();
  private operatorAction: { kind: 'retry' } | { kind: 'skip'; position: string } | undefined;
  private lastLag: Lag | undefined;
  private readonly observer: BatchObserver;

  constructor(private readonly options: ReadModelRunnerOptions) {
    this.model = options.model;
    this.logger = new Logger(`ReadModel:${this.model.name}`);
    this.batchSize = options.batchSize ?? 500;
    this.unknownEventPolicy = options.unknownEventPolicy ?? 'halt';
    this.standbyPollMs = options.standbyPollMs ?? 1_000;
    this.haltedRetryMs = options.haltedRetryMs ?? 30_000;
    // For health and the published position; the writer has a connection of its own (see runWithLock).
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    this.pool.on('error', () => undefined);
    this.observer = {
      mergedBatchFellBack: (error, events) => {
        this.logger.warn({
          message: 'a merged batch failed; applying it again one statement at a time',
          events,
          error: describeError(error),
        });
        options.metrics?.batchFallbacks.inc({ model: this.model.name });
      },
    };
    options.metrics?.track(this);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeAll();
    await this.subscription?.close();
    await this.loop;
    this.role = 'stopped';
    await this.pool.end().catch(() => undefined);
  }

  status(): RunnerStatus {
    const { halted } = this;
    return {
      model: this.model.name,
      role: this.role,
      checkpoint: this.checkpoint,
      eventsAppliedSinceStart: this.appliedSinceStart,
      halted: halted && {
        position: halted.position,
        streamId: halted.streamId,
        revision: halted.revision,
        type: halted.type,
        error: halted.error,
        since: halted.since,
      },
      lastError: this.lastError,
    };
  }

  /** Operator command: try the halted event again now. */
  retry(): boolean {
    if (!this.halted) return false;
    this.operatorAction = { kind: 'retry' };
    this.wakeAll();
    return true;
  }

  /** Operator command: record the halted event as skipped and go on. Only the event named may be skipped. */
  skip(position: string): boolean {
    if (!this.halted || this.halted.position !== position) return false;
    this.operatorAction = { kind: 'skip', position };
    this.wakeAll();
    return true;
  }

  /** Events after the checkpoint (counted up to `cap`) and how long the oldest of them has waited. */
  async lag(cap = 10_000): Promise<Lag> {
    const from = this.checkpoint ? parsePosition(this.checkpoint) : 'start';
    let pending: RecordedEvent[];
    try {
      pending = await collect(this.options.store.readAll({ from, maxCount: cap, settle: false }));
    } catch (error) {
      this.lastLag = undefined;
      throw error;
    }
    const oldest = pending[0];
    // Replaced whole once measured: a scrape while it is measured sees the previous measure, not none.
    this.lastLag = {
      events: pending.length,
      capped: pending.length >= cap,
      milliseconds: oldest ? Math.max(0, Date.now() - oldest.recordedAt.getTime()) : 0,
    };
    return this.lastLag;
  }

  /** The lag measured last (by health or metrics), while this instance is the active one. */
  cachedLag(): Lag | undefined {
    return this.role === 'active' ? this.lastLag : undefined;
  }

  /**
   * The health report's entry: down (throws, naming why) while halted, unable to reach or prepare its
   * database, or unable to read its published position; otherwise its role, position and lag.
   */
  async health(): Promise<Record<string, unknown>> {
    const status = this.status();
    if (status.halted) throw new Error(`halted: ${status.halted.error}`);
    if (status.lastError) throw new Error(status.lastError);
    if (status.role === 'starting' || status.role === 'stopped') return { role: status.role };
    const published = await this.pool.query<{ position: string | null }>(
      `SELECT position FROM ${escapeIdentifier(this.model.liveLayout.bookkeeping)}.applied_position`,
    );
    const lag = status.role === 'active' ? await this.lag() : undefined;
    return {
      role: status.role,
      checkpoint: status.checkpoint,
      appliedPosition: published.rows[0]?.position ?? null,
      lagEvents: lag?.events,
      lagMilliseconds: lag?.milliseconds,
    };
  }

  private async run(): Promise<void> {
    const initialDelay = this.options.retry?.initialDelayMs ?? 200;
    const maxDelay = this.options.retry?.maxDelayMs ?? 10_000;
    let delay = initialDelay;
    while (!this.stopping) {
      let reachedActive = false;
      let retryInMs: number | undefined;
      try {
        await this.runWithLock(() => (reachedActive = true));
      } catch (error) {
        if (this.stopping) break;
        if (reachedActive) delay = initialDelay;
        this.lastError = errorMessage(error);
        if (error instanceof SchemaMismatchError) {
          // Waits for someone to migrate the database; trying again soon would only log the same list.
          this.logger.error({
            message: 'schema differs from the definition; not projecting',
            error: error.message,
          });
          retryInMs = this.haltedRetryMs;
        } else if (error instanceof StartupRebuildError) {
          // Trying again soon would replay the whole log for the same answer.
          retryInMs = this.haltedRetryMs;
          this.logger.error({
            message: 'the rebuild for the changed definition failed; not projecting',
            retryInMs,
            error: describeError(error.cause),
          });
        } else {
          retryInMs = Math.round(delay * (0.75 + Math.random() * 0.5));
          const entry = {
            message: 'read model unavailable; retrying',
            retryInMs,
            error: describeError(error),
          };
          if (isConnectionError(error)) this.logger.warn(entry);
          else this.logger.error(entry);
          delay = Math.min(maxDelay, delay * 2);
        }
      } finally {
        // The connection (and the writer lock with it) goes before the wait: a standby may take over.
        await this.subscription?.close().catch(() => undefined);
        this.subscription = undefined;
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
        if (!this.stopping) this.role = 'starting';
      }
      if (retryInMs !== undefined) await this.sleep(retryInMs);
    }
  }

  private async runWithLock(active: () => void): Promise<void> {
    this.role = 'starting';
    await ensureDatabase(this.options.databaseUrl);
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: `certm3-projector:${this.model.name}`,
    });
    client.on('error', () => undefined);
    this.client = client;
    await client.connect();
    await prepareReadModel(client, this.model, (message) => this.logger.log(message));
    this.lastError = null;
    const db = kyselyOnClient<unknown>(client);

    const writerLock = lockKey(this.model.name, 'writer').toString();
    while (!this.stopping) {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [writerLock]);
      if (rows[0].locked) break;
      if (this.role !== 'standby') this.logger.log('another projector holds the writer lock; standing by');
      this.role = 'standby';
      await this.sleep(this.standbyPollMs);
    }
    if (this.stopping) return;
    active();
    // A halt of an earlier run is gone with its subscription: the event comes again, and halts again if
    // it still cannot be applied.
    this.halted = null;
    this.operatorAction = undefined;
    await this.bringToDefinition(client, db);
    if (this.stopping) return;
    this.role = 'active';
    this.checkpoint = (await readCheckpoint(db, this.model, this.model.liveLayout))?.position ?? null;
    this.logger.log({ message: 'projecting', checkpoint: this.checkpoint ?? 'start' });

    this.subscription = this.options.store.subscribeToAll({
      from: this.checkpoint ? parsePosition(this.checkpoint) : 'start',
    });
    const events = this.subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    const next = () => (pending ??= events.next());

    while (!this.stopping) {
      const first = await next();
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      // Take whatever else is already here, without waiting for more.
      while (batch.length < this.batchSize) {
        const ready = await Promise.race([
          next(),
          new Promise<typeof NOT_READY>((resolve) => setImmediate(() => resolve(NOT_READY))),
        ]);
        if (ready === NOT_READY) break;
        pending = undefined;
        if (ready.done) break;
        batch.push(ready.value);
      }
      await this.applyBatch(db, batch);
    }
  }

  /**
   * Compares the fingerprint stored with the checkpoint with the running definition's. A new database is
   * stamped; one the previous release wrote (no fingerprint: the legacy migration gave its tables this
   * shape) is accepted and stamped; a different one means tables or projections changed since the rows
   * were written, so the model is rebuilt from the first event before it projects live.
   */
  private async bringToDefinition(client: Client, db: Kysely<unknown>): Promise<void> {
    const { model } = this;
    const stored = await readCheckpoint(db, model, model.liveLayout);
    const checkpoints = (db as Kysely<BookkeepingDatabase>).withSchema(model.liveLayout.bookkeeping);
    if (!stored) {
      await checkpoints
        .insertInto('projector_checkpoint')
        .values({
          projection: model.name,
          position: null,
          updated_at: new Date().toISOString(),
          fingerprint: model.fingerprint,
        })
        .onConflict((conflict) => conflict.column('projection').doNothing())
        .execute();
    } else if (stored.fingerprint === null) {
      this.logger.log({
        message: 'tables of the previous release accepted as they are',
        fingerprint: model.fingerprint,
      });
      await checkpoints
        .updateTable('projector_checkpoint')
        .set({ fingerprint: model.fingerprint })
        .where('projection', '=', model.name)
        .execute();
    } else if (stored.fingerprint !== model.fingerprint) {
      this.role = 'rebuilding';
      this.logger.warn({
        message: 'the definition changed since these tables were built; rebuilding them from the first event',
        stored: stored.fingerprint,
        running: model.fingerprint,
      });
      const report = await this.rebuild(client, db);
      if (!report) return;
      this.logger.log({
        message: 'rebuilt',
        events: report.events,
        tables: report.tables,
        movedAside: report.movedAside,
        swapMs: Math.round(report.swapMilliseconds),
      });
    }
  }

  /**
   * The runner's own rebuild. An event it cannot apply halts the model on that event, as a live one does
   * (health, metrics, the operator's commands), but it waits for the operator: trying again on its own
   * would replay the whole log. A retry rebuilds again; a skip records the event, which the rebuild then
   * leaves out. Undefined when stopped meanwhile.
   */
  private async rebuild(client: Client, db: Kysely<unknown>): Promise<RebuildReport | undefined> {
    while (!this.stopping) {
      try {
        return await rebuildReadModel({
          client,
          model: this.model,
          store: this.options.store,
          unknownEventPolicy: this.unknownEventPolicy,
          observer: this.observer,
          log: (message) => this.logger.log(message),
        });
      } catch (error) {
        if (this.stopping) return undefined;
        if (!(error instanceof EventApplyError)) {
          if (isConnectionError(error)) throw error;
          throw new StartupRebuildError(error);
        }
        const action = await this.haltedInRebuild(error);
        if (action?.kind === 'skip') {
          await recordOperatorSkip(db, this.model, error.event);
          this.logger.warn({
            message: 'event skipped by an operator; the rebuild leaves it out',
            position: action.position,
            type: error.event.type,
          });
        }
      }
    }
    return undefined;
  }

  /** Halted on the event a rebuild cannot apply until the operator retries or skips it (or a stop). */
  private async haltedInRebuild(failure: EventApplyError) {
    this.halted = this.haltedOn(failure);
    this.logger.error({
      message: 'rebuild halted on an event it cannot apply; waiting for an operator to retry or skip it',
      ...this.status().halted,
    });
    while (!this.stopping && !this.operatorAction) await this.sleep(this.haltedRetryMs);
    const action = this.operatorAction;
    this.operatorAction = undefined;
    this.halted = null;
    return action;
  }

  private haltedOn(failure: EventApplyError): HaltedEvent & { event: RecordedEvent } {
    const { event } = failure;
    return {
      event,
      position: serializePosition(event.position),
      streamId: event.streamId,
      revision: event.revision.toString(),
      type: event.type,
      error: failure.message,
      since: new Date().toISOString(),
    };
  }

  private async applyBatch(db: Kysely<unknown>, batch: RecordedEvent[]): Promise<void> {
    try {
      await this.commit(db, batch);
      return;
    } catch (error) {
      if (!(error instanceof EventApplyError)) throw error;
      // Keep everything before the bad event, then stop on it.
      const index = batch.indexOf(error.event);
      if (index > 0) await this.commit(db, batch.slice(0, index));
      await this.haltOn(db, error);
      // Stopped while halted: what follows the halted event waits for it (see the regression test).
      if (this.halted) return;
      if (index >= 0 && index + 1 < batch.length) await this.applyBatch(db, batch.slice(index + 1));
    }
  }

  private async commit(db: Kysely<unknown>, events: RecordedEvent[]): Promise<void> {
    const result = await db
      .transaction()
      .execute((trx) =>
        applyEventsInTransaction(
          trx,
          this.model,
          this.model.liveLayout,
          events,
          this.unknownEventPolicy,
          this.observer,
        ),
      );
    this.checkpoint = result.checkpoint;
    this.appliedSinceStart += result.applied;
    this.options.metrics?.eventsApplied.inc({ model: this.model.name }, result.applied);
  }

  /** Stays on the failing event until it applies (retry) or is skipped; the process stays up meanwhile. */
  private async haltOn(db: Kysely<unknown>, failure: EventApplyError): Promise<void> {
    const { event } = failure;
    this.halted = this.haltedOn(failure);
    this.logger.error({ message: 'projection halted on an event it cannot apply', ...this.status().halted });
    while (!this.stopping && this.halted) {
      await this.sleep(this.haltedRetryMs);
      const action = this.operatorAction ?? { kind: 'retry' as const };
      this.operatorAction = undefined;
      try {
        if (action.kind === 'skip') {
          const result = await db
            .transaction()
            .execute((trx) =>
              skipEventInTransaction(trx, this.model, this.model.liveLayout, event, SKIPPED_BY_OPERATOR),
            );
          this.checkpoint = result.checkpoint;
          if (result.skipped)
            this.logger.warn({
              message: 'event skipped by an operator',
              position: this.halted.position,
              type: event.type,
            });
          else
            // A rebuild ran meanwhile and applied it: nothing to skip, and the checkpoint stays ahead.
            this.logger.warn({
              message: 'the event an operator skipped was applied already (by a rebuild); nothing skipped',
              position: this.halted.position,
              type: event.type,
              checkpoint: result.checkpoint,
            });
        } else {
          await this.commit(db, [event]);
        }
        this.halted = null;
      } catch (error) {
        if (!(error instanceof EventApplyError)) throw error;
        this.halted = { ...this.halted!, error: error.message };
      }
    }
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Resolves after `ms`, or at once when stopping (a stop wakes the sleepers it finds, and later ones). */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
