import { Kysely } from 'kysely';
import {
  comparePositions,
  EventStore,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
} from '@certm3/event-store';
import {
  applyPlannedBatchInTransaction,
  BatchObserver,
  PlannedBatch,
  planBatch,
  readCheckpoint,
  SKIPPED_BY_POLICY,
  UnknownEventPolicy,
} from '../batch/apply-batch';
import { BookkeepingDatabase } from '../bookkeeping/bookkeeping';
import { ReadModel, ReadModelLayout } from '../model/define-read-model';

export interface ReplayOptions {
  /** Inclusive. Defaults to the head of the log. */
  readonly until?: GlobalPosition;
  readonly batchSize?: number;
  readonly unknownEventPolicy?: UnknownEventPolicy;
  /** Within the caller's transaction (a swap's); otherwise one transaction per batch. */
  readonly inTransaction?: boolean;
  /**
   * Serialized positions of events to leave out (an operator skipped them). They still pass through the
   * batches, with no statements, so the copy's checkpoint moves past them as the live one did.
   */
  readonly skip?: ReadonlySet<string>;
  readonly observer?: BatchObserver;
}

/**
 * Replays the log into the tables of `layout` from that layout's own checkpoint up to `until` or the head,
 * in batches. A rebuild and a verification are this, into a scratch schema beside the live tables; the
 * benchmark's catch-up is this into the live layout of an empty database.
 */
export async function replayInto(
  store: EventStore,
  db: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
  options: ReplayOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  const checkpoint = (await readCheckpoint(db, model, layout))?.position;
  let batch: RecordedEvent[] = [];
  let applied = 0;
  const apply = async (planned: PlannedBatch) => {
    const applyIn = (trx: Kysely<unknown>) => applyPlannedBatchInTransaction(trx, planned, options.observer);
    const result = options.inTransaction ? await applyIn(db) : await db.transaction().execute(applyIn);
    applied += result.applied;
  };
  // One batch is written while the next is read and planned: PostgreSQL runs one batch's statements while
  // this process builds the next one's.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const planned = planBatch(model, layout, batch, options.unknownEventPolicy ?? 'halt', {
      leaveOut: options.skip,
    });
    batch = [];
    await writing;
    writing = apply(planned);
    writing.catch(() => undefined); // awaited (and thrown) before the next batch or at the end
  };
  for await (const event of store.readAll({ from: checkpoint ? parsePosition(checkpoint) : 'start' })) {
    if (options.until && comparePositions(event.position, options.until) > 0) break;
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await writing;
  return applied;
}

/**
 * Positions of the events an operator skipped in the live model: a rebuild or a verification leaves them
 * out too. Events skipped by the unknown-event policy are not among them: the running definition judges
 * them again (a release that knows their type applies them; otherwise the policy skips them again).
 */
export async function skippedPositions(db: Kysely<unknown>, model: ReadModel): Promise<Set<string>> {
  const rows = await (db as Kysely<BookkeepingDatabase>)
    .withSchema(model.liveLayout.bookkeeping)
    .selectFrom('projector_skipped_events')
    .select('position')
    .where('reason', '<>', SKIPPED_BY_POLICY)
    .execute();
  return new Set(rows.map((row) => row.position));
}
