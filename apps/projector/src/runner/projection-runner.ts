import { Logger } from '@nestjs/common';
import { Kysely } from 'kysely';
import { Client } from 'pg';
import {
  AllSubscription,
  collect,
  EventStore,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { isConnectionError } from '@certm3/pg-support';
import { Certm3ReadModel, LIVE_SCHEMA } from '../read-model/certm3-tables';
import {
  applyEventsInTransaction,
  EventApplyError,
  readCheckpoint,
  skipEventInTransaction,
  UnknownEventPolicy,
} from './apply-events';
import { kyselyOnClient } from './single-connection';

/** Only one projector writes the live tables at a time; the others wait on this lock. */
export const WRITER_LOCK = 0x63657274_6d330003n;

export interface ProjectionRunnerOptions {
  readonly databaseUrl: string;
  readonly batchSize?: number;
  readonly unknownEventPolicy?: UnknownEventPolicy;
  /** How often a standby instance tries to take over, and a halted one retries on its own. */
  readonly standbyPollMs?: number;
  readonly haltedRetryMs?: number;
}

export interface HaltedEvent {
  readonly position: string;
  readonly streamId: string;
  readonly revision: string;
  readonly type: string;
  readonly error: string;
  readonly since: string;
}

export interface ProjectionStatus {
  readonly role: 'starting' | 'standby' | 'active' | 'stopped';
  readonly checkpoint: string | null;
  readonly eventsAppliedSinceStart: number;
  readonly halted: HaltedEvent | null;
  readonly lastError: string | null;
}

const NOT_READY = Symbol('not ready');

/**
 * Keeps the certM3 tables in step with the log: takes the writer lock, subscribes from the stored
 * checkpoint, and applies events in batches, each batch and its checkpoint in one transaction, so a crash
 * at any instant neither loses nor repeats an event. An event that cannot be applied halts the run on that
 * event (named in the health report) until an operator retries or skips it.
 */
export class ProjectionRunner {
  private readonly logger = new Logger('ProjectionRunner');
  private readonly batchSize: number;
  private readonly unknownEventPolicy: UnknownEventPolicy;
  private readonly standbyPollMs: number;
  private readonly haltedRetryMs: number;
  private role: ProjectionStatus['role'] = 'starting';
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

  constructor(
    private readonly store: EventStore,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.unknownEventPolicy = options.unknownEventPolicy ?? 'halt';
    this.standbyPollMs = options.standbyPollMs ?? 1_000;
    this.haltedRetryMs = options.haltedRetryMs ?? 30_000;
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
  }

  status(): ProjectionStatus {
    const { halted } = this;
    return {
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
  async lag(cap = 10_000): Promise<{ events: number; capped: boolean; milliseconds: number }> {
    const from = this.checkpoint ? parsePosition(this.checkpoint) : 'start';
    const pending = await collect(this.store.readAll({ from, maxCount: cap, settle: false }));
    const oldest = pending[0];
    return {
      events: pending.length,
      capped: pending.length >= cap,
      milliseconds: oldest ? Math.max(0, Date.now() - oldest.recordedAt.getTime()) : 0,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.runWithLock();
      } catch (error) {
        if (this.stopping) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.error({ message: 'projection run failed; starting over', error: this.lastError });
        await this.sleep(isConnectionError(error) ? 1_000 : 5_000);
      } finally {
        await this.subscription?.close().catch(() => undefined);
        this.subscription = undefined;
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
      }
    }
  }

  private async runWithLock(): Promise<void> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'certm3-projector',
    });
    client.on('error', () => undefined);
    this.client = client;
    await client.connect();
    const db = kyselyOnClient<Certm3ReadModel>(client);

    while (!this.stopping) {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [
        WRITER_LOCK.toString(),
      ]);
      if (rows[0].locked) break;
      if (this.role !== 'standby') this.logger.log('another projector holds the writer lock; standing by');
      this.role = 'standby';
      await this.sleep(this.standbyPollMs);
    }
    if (this.stopping) return;
    this.role = 'active';
    this.checkpoint = await readCheckpoint(db, LIVE_SCHEMA);
    this.logger.log({ message: 'projecting', checkpoint: this.checkpoint ?? 'start' });

    this.subscription = this.store.subscribeToAll({
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

  private async applyBatch(db: Kysely<Certm3ReadModel>, batch: RecordedEvent[]): Promise<void> {
    try {
      await this.commit(db, batch);
      return;
    } catch (error) {
      if (!(error instanceof EventApplyError)) throw error;
      // Keep everything before the bad event, then stop on it.
      const index = batch.indexOf(error.event);
      if (index > 0) await this.commit(db, batch.slice(0, index));
      await this.haltOn(db, error);
      if (index >= 0 && index + 1 < batch.length) await this.applyBatch(db, batch.slice(index + 1));
    }
  }

  private async commit(db: Kysely<Certm3ReadModel>, events: RecordedEvent[]): Promise<void> {
    const result = await db
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, LIVE_SCHEMA, events, this.unknownEventPolicy));
    this.checkpoint = result.checkpoint;
    this.appliedSinceStart += result.applied;
  }

  /** Stays on the failing event until it applies (retry) or is skipped; the process stays up meanwhile. */
  private async haltOn(db: Kysely<Certm3ReadModel>, failure: EventApplyError): Promise<void> {
    const { event } = failure;
    this.halted = {
      event,
      position: serializePosition(event.position),
      streamId: event.streamId,
      revision: event.revision.toString(),
      type: event.type,
      error: failure.message,
      since: new Date().toISOString(),
    };
    this.logger.error({ message: 'projection halted on an event it cannot apply', ...this.status().halted });
    while (!this.stopping && this.halted) {
      await this.sleep(this.haltedRetryMs);
      const action = this.operatorAction ?? { kind: 'retry' as const };
      this.operatorAction = undefined;
      try {
        if (action.kind === 'skip') {
          await db
            .transaction()
            .execute((trx) => skipEventInTransaction(trx, LIVE_SCHEMA, event, 'skipped by an operator'));
          this.checkpoint = serializePosition(event.position);
          this.logger.warn({
            message: 'event skipped by an operator',
            position: this.halted.position,
            type: event.type,
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

  private sleep(ms: number): Promise<void> {
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

/** For operations and tests: a dedicated kysely over a fresh pool-less client. */
export async function withReadModelClient<T>(
  databaseUrl: string,
  work: (db: Kysely<Certm3ReadModel>, client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: databaseUrl,
    application_name: 'certm3-projector-operation',
  });
  await client.connect();
  try {
    return await work(kyselyOnClient<Certm3ReadModel>(client), client);
  } finally {
    await client.end();
  }
}
