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
import { applyEventsInTransaction, readCheckpoint, UnknownEventPolicy } from '../runner/apply-events';

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
  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    const apply = (trx: Kysely<Certm3ReadModel>) =>
      applyEventsInTransaction(trx, schema, events, options.unknownEventPolicy ?? 'halt');
    // Within a caller's transaction (the swap), apply there; otherwise one transaction per batch.
    const result = options.inTransaction ? await apply(db) : await db.transaction().execute(apply);
    applied += result.applied;
  };
  for await (const event of store.readAll({ from: checkpoint ? parsePosition(checkpoint) : 'start' })) {
    if (options.until && comparePositions(event.position, options.until) > 0) break;
    if (options.skip?.has(serializePosition(event.position))) continue;
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return applied;
}
