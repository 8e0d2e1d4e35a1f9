import { Client, Pool, PoolConfig } from 'pg';
import { ensureDatabase, isConnectionError } from '@certm3/pg-support';
import {
  EventStoreError,
  EventStoreUnavailableError,
  InvalidAppendError,
  ReadAllUnsettledError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../errors';
import {
  AllSubscription,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamCondition,
  RecordedEvent,
  START_POSITION,
  SubscribeToAllOptions,
} from '../port';
import { createAllSubscription, SubscriptionProgress } from '../all-subscription';
import { expectationHolds, validateStreamAppends } from '../validate-append';
import { CoalescedFailure, Coalescer } from './coalescer';
import { CommitAnnouncer, CommitNotifier } from './commit-notifier';
import {
  EXPECTED_ANY,
  EXPECTED_NO_STREAM,
  EXPECTED_STREAM_EXISTS,
  migrateEventStoreSchema,
  NOTIFY_CHANNEL,
  WRONG_EXPECTED_REVISION_SQLSTATE,
} from './schema';

export interface PostgresEventStoreOptions {
  /** postgres:// URL of the event store's own database; created if missing. */
  readonly url: string;
  readonly poolSize?: number;
  /** Rows fetched per query by reads and subscriptions. */
  readonly pageSize?: number;
  /**
   * How long a forwards readAll waits, at the head, for transactions older than the read that are still
   * running (their events may still take positions before ones already committed). Within it, readAll
   * returns every event committed before it began; past it, the part no open transaction can precede.
   */
  readonly readAllSettleMs?: number;
  /**
   * How often an idle subscription re-reads even without a notification. Notifications wake it within
   * milliseconds; the poll covers a lost listener connection and transactions outside certm3 holding the
   * snapshot's xmin back (they end without notifying).
   */
  readonly pollIntervalMs?: number;
  /**
   * Least time between two commit notifications this store sends while appends keep coming (the first
   * after a quiet spell goes at once). Bounds what steady writes spend on notifying; adds at most this
   * much to a live subscriber's lag.
   */
  readonly notifyIntervalMs?: number;
  /**
   * Append round trips in flight at once, and separately stream-read round trips; appends (reads)
   * arriving while that many are out leave together in the next one (see Coalescer). Default 4.
   */
  readonly maxBatchesInFlight?: number;
}

interface EventRow {
  global_position: string;
  commit_position: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

// The text form of the transaction id gets a name of its own: aliased as `transaction_id`, it would win over
// the column in ORDER BY and sort "100000" before "99999" (see the regression test).
const EVENT_COLUMNS =
  'global_position, transaction_id::text AS commit_position, stream_id, stream_revision, event_id, event_type, data, metadata, recorded_at';

/** Only rows of transactions older than every transaction still running: none can appear behind them. */
const SAFE_TO_READ = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';

interface AppendRequest {
  /** Conditions (no events) first, then the appends. */
  readonly streams: readonly StreamAppend[];
  readonly conditionCount: number;
}

interface AppendRow {
  next_revision: string;
  commit_position: string;
  prepare_position: string;
}

interface BatchRow extends AppendRow {
  stream_index: number;
  actual_revision: string;
}
/**
 * How often an append is sent again after losing a race it can still win: a unique violation on a
 * revision when its expectations still hold ('any', 'stream_exists'), or a deadlock. Since schema version
 * 4 neither happens between calls of this release (see appendAlone); the retries remain as a safety net.
 */
const MAX_RACE_RETRIES = 10;

export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly notifier: CommitNotifier;
  private readonly announcer: CommitAnnouncer;
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly readAllSettleMs: number;
  private readonly appends: Coalescer<AppendRequest, AppendResult[]>;
  private readonly streamReads: Coalescer<readonly string[], Map<string, RecordedEvent[]>>;
  private readonly activeSubscriptions = new Set<symbol>();
  private readonly openSubscriptions = new Set<AllSubscription>();
  private closed = false;

  private constructor(options: PostgresEventStoreOptions) {
    const poolConfig: PoolConfig = {
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    };
    this.pool = new Pool(poolConfig);
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.pageSize = options.pageSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.readAllSettleMs = options.readAllSettleMs ?? 5_000;
    this.notifier = new CommitNotifier(options.url);
    this.appends = new Coalescer({
      maxInFlight: options.maxBatchesInFlight ?? 4,
      maxBatch: 64,
      // Within one append_batch call every check runs before every insert, so a condition batched with an
      // append to its own stream would pass on the revision the append is about to move: a stream appended
      // to is a batch's alone; a stream only checked may be checked by several requests of one batch.
      keysOf: (request) => ({
        exclusive: request.streams.slice(request.conditionCount).map((stream) => stream.streamId),
        shared: request.streams.slice(0, request.conditionCount).map((stream) => stream.streamId),
      }),
      run: (batch) => this.appendBatch(batch),
    });
    this.streamReads = new Coalescer({
      maxInFlight: options.maxBatchesInFlight ?? 4,
      maxBatch: 64,
      run: (batch) => this.readStreamsBatch(batch),
    });
    this.announcer = new CommitAnnouncer(
      () => this.pool.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`),
      options.notifyIntervalMs ?? 5,
    );
  }

  /** Creates the database if missing, migrates its schema, and returns a ready store. */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    try {
      await ensureDatabase(options.url);
      const client = new Client({ connectionString: options.url });
      await client.connect();
      try {
        await migrateEventStoreSchema(client);
      } finally {
        await client.end();
      }
    } catch (error) {
      throw mapError(error);
    }
    return new PostgresEventStore(options);
  }

  /** A multi-stream append is one call of one SQL function, hence one transaction. */
  readonly multiStreamAppendIsAtomic = true;

  /**
   * The SQL functions lock every condition's stream (shared) and every appended stream (exclusive) before
   * reading a revision, and hold the locks until commit (schema version 4).
   */
  readonly conditionsHoldAtCommit = true;

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    { expectedRevision }: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamId, events, expectedRevision }]);
    return result;
  }

  async appendToStreams(
    requested: readonly StreamAppend[],
    { conditions = [] }: { readonly conditions?: readonly StreamCondition[] } = {},
  ): Promise<AppendResult[]> {
    this.assertOpen();
    validateStreamAppends(requested, conditions);
    // A condition is a stream appended no events, checked like any other, first.
    const streams: StreamAppend[] = [
      ...conditions.map((condition) => ({ ...condition, events: [] })),
      ...requested,
    ];
    return this.appends.submit({ streams, conditionCount: conditions.length });
  }

  /** Concurrent appends share a round trip and a transaction (see Coalescer); each stays all-or-nothing. */
  private async appendBatch(batch: AppendRequest[]): Promise<(AppendResult[] | CoalescedFailure)[]> {
    if (batch.length === 1) {
      try {
        return [await this.appendAlone(batch[0])];
      } catch (error) {
        return [new CoalescedFailure(error)];
      }
    }
    let outcomes: (AppendResult[] | CoalescedFailure)[];
    try {
      outcomes = this.outcomesOf(batch, await this.callAppendBatch(batch));
    } catch (error) {
      // One append's trouble (a race with a writer outside this batch, a reused event id, data PostgreSQL
      // refuses) fails the whole call; each append then goes alone, to get its own answer. Only a lost
      // database fails them all.
      if (isConnectionError(error)) throw mapError(error);
      return Promise.all(
        batch.map((request) =>
          this.appendAlone(request).catch((failure: unknown) => new CoalescedFailure(failure)),
        ),
      );
    }
    this.announcer.announce();
    return outcomes;
  }

  private async appendAlone(request: AppendRequest): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results =
          request.streams.length === 1
            ? [await this.callAppendToStream(request.streams[0])]
            : this.outcomesOf([request], await this.callAppendBatch([request]))[0];
        if (results instanceof CoalescedFailure) throw results.error;
        this.announcer.announce();
        return results;
      } catch (error) {
        const code = (error as { code?: string }).code;
        const constraint = (error as { constraint?: string }).constraint;
        if (code === WRONG_EXPECTED_REVISION_SQLSTATE) {
          const actual = BigInt((error as { detail: string }).detail);
          throw wrongExpectedRevision(request.streams[0], actual, error);
        }
        if (code === UNIQUE_VIOLATION && constraint === 'events_event_id_key') {
          throw new InvalidAppendError(`an event with one of these ids is already recorded`, {
            cause: error,
          });
        }
        if (code === UNIQUE_VIOLATION && constraint === 'events_stream_revision_key') {
          // A concurrent writer took the revision between our check and our insert, and has committed.
          // Since schema version 4 a writer holds its stream's exclusive lock from before its check until
          // commit, so this needs a writer that bypasses the functions, or a call of the version 3 functions
          // still running while version 4 is installed; kept as a safety net.
          const stale = await this.firstStaleExpectation(request.streams);
          if (stale) throw wrongExpectedRevision(stale.append, stale.actual, error);
          // Only 'any' / 'stream_exists' expectations lost the race; they still hold, so try again.
          if (attempt < MAX_RACE_RETRIES) continue;
        }
        if (code === DEADLOCK_DETECTED && attempt < MAX_RACE_RETRIES) {
          // PostgreSQL rolled this transaction back whole: nothing was written, and a deadlock says
          // nothing about whether an expectation is stale, so go again (the next attempt checks them all)
          // rather than report a wrong expected revision. Calls take their locks in one global order, so
          // among them this needs something else waiting crosswise: concurrent appends reusing one
          // another's event ids (answered, on the retry, as already recorded), or a version 3 call still
          // running during the upgrade.
          continue;
        }
        throw mapError(error);
      }
    }
  }

  /** The lean single-stream function; raises WRONG_EXPECTED_REVISION_SQLSTATE on a stale expectation. */
  private async callAppendToStream(stream: StreamAppend): Promise<AppendResult> {
    const { rows } = await this.pool.query<AppendRow>(
      'SELECT * FROM append_to_stream($1, $2, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])',
      [
        stream.streamId,
        encodeExpectedRevision(stream.expectedRevision).toString(),
        ...eventColumns(stream.events),
      ],
    );
    return toAppendResult(rows[0]);
  }

  private async callAppendBatch(batch: readonly AppendRequest[]): Promise<BatchRow[]> {
    const streams = batch.flatMap((request, requestIndex) =>
      request.streams.map((stream) => ({ requestIndex, stream })),
    );
    const events = streams.flatMap(({ stream }, streamIndex) =>
      stream.events.map((event) => ({ streamIndex, event })),
    );
    const { rows } = await this.pool.query<BatchRow>(
      `SELECT * FROM append_batch($1::integer[], $2::text[], $3::bigint[], $4::integer[], $5::uuid[],
                                  $6::text[], $7::jsonb[], $8::jsonb[])`,
      [
        streams.map(({ requestIndex }) => requestIndex + 1),
        streams.map(({ stream }) => stream.streamId),
        streams.map(({ stream }) => encodeExpectedRevision(stream.expectedRevision).toString()),
        events.map(({ streamIndex }) => streamIndex + 1),
        ...eventColumns(events.map(({ event }) => event)),
      ],
    );
    return rows.sort((a, b) => a.stream_index - b.stream_index);
  }

  /** Splits append_batch's rows (one per stream, in order) back into each request's answer. */
  private outcomesOf(
    batch: readonly AppendRequest[],
    rows: readonly BatchRow[],
  ): (AppendResult[] | CoalescedFailure)[] {
    let next = 0;
    return batch.map((request) => {
      const mine = rows.slice(next, next + request.streams.length);
      next += request.streams.length;
      const staleIndex = request.streams.findIndex(
        (stream, index) => !expectationHolds(stream.expectedRevision, BigInt(mine[index].actual_revision)),
      );
      if (staleIndex >= 0) {
        const actual = BigInt(mine[staleIndex].actual_revision);
        return new CoalescedFailure(wrongExpectedRevision(request.streams[staleIndex], actual, undefined));
      }
      return mine.slice(request.conditionCount).map(toAppendResult);
    });
  }

  private async firstStaleExpectation(
    appends: readonly StreamAppend[],
  ): Promise<{ append: StreamAppend; actual: bigint } | undefined> {
    const rows = await this.query<{ stream_id: string; revision: string }>(
      'SELECT stream_id, max(stream_revision)::text AS revision FROM events WHERE stream_id = ANY($1) GROUP BY stream_id',
      [appends.map((append) => append.streamId)],
    );
    const current = new Map(rows.map((row) => [row.stream_id, BigInt(row.revision)]));
    for (const append of appends) {
      const actual = current.get(append.streamId) ?? -1n;
      if (!expectationHolds(append.expectedRevision, actual)) return { append, actual };
    }
    return undefined;
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    this.assertOpen();
    return this.streamReads.submit(streamIds);
  }

  private async readStreamsBatch(batch: (readonly string[])[]): Promise<Map<string, RecordedEvent[]>[]> {
    const all = [...new Set(batch.flat())];
    const rows = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ANY($1) ORDER BY stream_id, stream_revision`,
      [all],
    );
    const byStream = new Map<string, RecordedEvent[]>(all.map((streamId) => [streamId, []]));
    for (const row of rows) byStream.get(row.stream_id)!.push(toRecordedEvent(row));
    return batch.map(
      (streamIds) => new Map(streamIds.map((streamId) => [streamId, [...byStream.get(streamId)!]])),
    );
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    const from = options.fromRevision ?? (forwards ? 'start' : 'end');
    if (forwards && from === 'end') {
      await this.assertStreamExists(streamId);
      return;
    }
    const order = forwards ? 'ASC' : 'DESC';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    // The caller's bound is inclusive; after the first page the bound is the last revision seen, exclusive.
    let bound: bigint | null = typeof from === 'bigint' ? from : from === 'start' ? 0n : null;
    let inclusive = true;
    let first = true;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const comparison = (forwards ? '>' : '<') + (inclusive ? '=' : '');
      const rows =
        bound === null
          ? await this.query<EventRow>(
              `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_revision ${order} LIMIT $2`,
              [streamId, limit],
            )
          : await this.query<EventRow>(
              `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_revision ${comparison} $2
               ORDER BY stream_revision ${order} LIMIT $3`,
              [streamId, bound.toString(), limit],
            );
      if (first && rows.length === 0) {
        // From the start forwards, no rows means no stream: a stream exists exactly when it has events.
        if (forwards && bound === 0n) throw new StreamNotFoundError(streamId);
        await this.assertStreamExists(streamId);
      }
      for (const row of rows) yield toRecordedEvent(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      bound = BigInt(rows[rows.length - 1].stream_revision);
      inclusive = false;
      first = false;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    const from = options.from ?? (forwards ? 'start' : 'end');
    if ((forwards && from === 'end') || (!forwards && from === 'start')) return;
    let after: GlobalPosition | null = from === 'start' ? START_POSITION : from === 'end' ? null : from;
    // Every transaction below this id had started when the read began; the read waits for them to end.
    const committedBefore = forwards && options.settle !== false ? await this.snapshotBound('xmax') : 0n;
    const settleUntil = options.settle === false ? 0 : Date.now() + this.readAllSettleMs;
    let settled = false;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const rows = forwards
        ? await this.readAllForwardsPage(after ?? START_POSITION, limit)
        : await this.readAllBackwardsPage(after, limit);
      for (const row of rows) yield toRecordedEvent(row);
      remaining -= rows.length;
      if (rows.length > 0) after = toRecordedEvent(rows[rows.length - 1]).position;
      if (rows.length === limit) continue;
      if (!forwards || options.settle === false || settled) return;
      // The page above was cut at an older snapshot: transactions that ended since may have released events
      // it could not see, so once they have all ended, read once more before calling the log complete.
      if ((await this.snapshotBound('xmin')) >= committedBefore) {
        settled = true;
        continue;
      }
      if (Date.now() >= settleUntil) {
        if (options.whenUnsettled === 'fail')
          throw new ReadAllUnsettledError(
            after && after.commit > START_POSITION.commit ? after : undefined,
            this.readAllSettleMs,
          );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async snapshotBound(bound: 'xmin' | 'xmax'): Promise<bigint> {
    const [row] = await this.query<{ bound: string }>(
      bound === 'xmin'
        ? 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS bound'
        : 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS bound',
      [],
    );
    return BigInt(row.bound);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    // 'end' means the head at the moment of subscribing, not at the first pull.
    const start = this.resolveSubscriptionStart(options.from ?? 'start');
    start.catch(() => undefined);
    const progress: SubscriptionProgress = { position: undefined };
    const subscription = createAllSubscription({
      progress,
      deliver: (closing) => this.deliverAll(start, closing, progress),
      onClose: (closed) => this.openSubscriptions.delete(closed),
    });
    this.openSubscriptions.add(subscription);
    return subscription;
  }

  private async *deliverAll(
    start: Promise<GlobalPosition>,
    closing: AbortSignal,
    state: SubscriptionProgress,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    const ticket = Symbol('subscription');
    this.activeSubscriptions.add(ticket);
    this.notifier.start();
    try {
      let checkpoint = await start;
      state.position = checkpoint;
      while (!closing.aborted) {
        const seen = this.notifier.generation;
        const rows = await this.readAllForwardsPage(checkpoint, this.pageSize);
        for (const row of rows) {
          if (closing.aborted) return;
          const event = toRecordedEvent(row);
          checkpoint = event.position;
          state.position = checkpoint;
          yield event;
        }
        if (rows.length < this.pageSize) {
          await this.notifier.waitForCommitAfter(seen, this.pollIntervalMs, closing);
        }
      }
    } finally {
      this.activeSubscriptions.delete(ticket);
      if (this.activeSubscriptions.size === 0) await this.notifier.stop();
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.openSubscriptions].map((subscription) => subscription.close()));
    await this.notifier.stop();
    await this.announcer.settled();
    await this.pool.end();
  }

  private async resolveSubscriptionStart(from: GlobalPosition | 'start' | 'end'): Promise<GlobalPosition> {
    if (from === 'start') return START_POSITION;
    if (from !== 'end') return from;
    const [last] = await this.readAllBackwardsPage(null, 1);
    return last ? toRecordedEvent(last).position : START_POSITION;
  }

  private readAllForwardsPage(after: GlobalPosition, limit: number): Promise<EventRow[]> {
    return this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) AND ${SAFE_TO_READ}
       ORDER BY transaction_id, global_position LIMIT $3`,
      [after.commit.toString(), after.prepare.toString(), limit],
    );
  }

  private readAllBackwardsPage(before: GlobalPosition | null, limit: number): Promise<EventRow[]> {
    return before === null
      ? this.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE ${SAFE_TO_READ}
           ORDER BY transaction_id DESC, global_position DESC LIMIT $1`,
          [limit],
        )
      : this.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE (transaction_id, global_position) < ($1::text::xid8, $2::bigint) AND ${SAFE_TO_READ}
           ORDER BY transaction_id DESC, global_position DESC LIMIT $3`,
          [before.commit.toString(), before.prepare.toString(), limit],
        );
  }

  private async assertStreamExists(streamId: string): Promise<void> {
    const rows = await this.query('SELECT 1 FROM events WHERE stream_id = $1 LIMIT 1', [streamId]);
    if (rows.length === 0) throw new StreamNotFoundError(streamId);
  }

  private async query<Row extends object>(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      const result = await this.pool.query<Row>(sql, params);
      return result.rows;
    } catch (error) {
      throw mapError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('the event store has been closed');
  }
}

function eventColumns(events: readonly EventToAppend[]): string[][] {
  return [
    events.map((event) => event.id),
    events.map((event) => event.type),
    events.map((event) => JSON.stringify(event.data)),
    events.map((event) => JSON.stringify(event.metadata)),
  ];
}

function toAppendResult(row: AppendRow): AppendResult {
  return {
    nextRevision: BigInt(row.next_revision),
    position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
  };
}

function wrongExpectedRevision(
  append: StreamAppend,
  actual: bigint,
  cause: unknown,
): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(
    append.streamId,
    append.expectedRevision,
    actual < 0n ? 'no_stream' : actual,
    { cause },
  );
}

function encodeExpectedRevision(expected: ExpectedRevision): bigint {
  switch (expected) {
    case 'any':
      return EXPECTED_ANY;
    case 'no_stream':
      return EXPECTED_NO_STREAM;
    case 'stream_exists':
      return EXPECTED_STREAM_EXISTS;
    default:
      return expected;
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: BigInt(row.stream_revision),
    position: { commit: BigInt(row.commit_position), prepare: BigInt(row.global_position) },
    recordedAt: row.recorded_at,
  };
}

function mapError(error: unknown): unknown {
  if (error instanceof EventStoreError) return error;
  if (isConnectionError(error)) {
    return new EventStoreUnavailableError(`PostgreSQL event store unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}
