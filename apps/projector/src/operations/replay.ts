import { Kysely } from 'kysely';
import {
  comparePositions,
  EventStore,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { Certm3ReadModel } from '../read-model/certm3-tables';
import {
  applyPlannedBatchInTransaction,
  PlannedBatch,
  planBatch,
  readCheckpoint,
  UnknownEventPolicy,
} from '../runner/apply-events';

/**
 * Replays the log into the tables of `schema` (not the live one), from that schema's own checkpoint up to
 * `until` (inclusive) or the head, in batches of one transaction each. A rebuild and a verification are
 * this, into a schema beside the live tables.
 */
export async function replayInto(
  store: EventStore,
  db: Kysely<Certm3ReadModel>,
  schema: string,
  options: {
    until?: GlobalPosition;
    batchSize?: number;
    unknownEventPolicy?: UnknownEventPolicy;
    inTransaction?: boolean;
    /** Serialized positions of events to leave out. */
    skip?: ReadonlySet<string>;
  } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  const checkpoint = await readCheckpoint(db, schema);
  let batch: RecordedEvent[] = [];
  let applied = 0;
  const apply = async (planned: PlannedBatch) => {
    const applyIn = (trx: Kysely<Certm3ReadModel>) => applyPlannedBatchInTransaction(trx, planned);
    // Within a caller's transaction (the swap), apply there; otherwise one transaction per batch.
    const result = options.inTransaction ? await applyIn(db) : await db.transaction().execute(applyIn);
    applied += result.applied;
  };
  // One batch is written while the next is read and planned: PostgreSQL runs one batch's statements while
  // this process builds the next one's.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const planned = planBatch(db, schema, batch, options.unknownEventPolicy ?? 'halt');
    batch = [];
    await writing;
    writing = apply(planned);
    writing.catch(() => undefined); // awaited (and thrown) before the next batch or at the end
  };
  for await (const event of store.readAll({ from: checkpoint ? parsePosition(checkpoint) : 'start' })) {
    if (options.until && comparePositions(event.position, options.until) > 0) break;
    if (options.skip?.has(serializePosition(event.position))) continue;
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await writing;
  return applied;
}
