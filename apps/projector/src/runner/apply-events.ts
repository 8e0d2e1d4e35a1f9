import { Kysely, sql } from 'kysely';
import { comparePositions, parsePosition, RecordedEvent, serializePosition } from '@certm3/event-store';
import { applyCertm3Event } from '../read-model/certm3-projection';
import { Certm3ReadModel, LIVE_SCHEMA, PROJECTION_NAME } from '../read-model/certm3-tables';

/** Taken shared by every batch on the live schema and exclusively by a rebuild's swap (see operations/). */
export const SCHEMA_SWAP_LOCK = 0x63657274_6d330002n;

export type UnknownEventPolicy = 'halt' | 'skip';

/** An event that could not be applied, named so an operator can find it. */
export class EventApplyError extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly reason: string,
  ) {
    super(
      `cannot apply event ${event.type} (stream ${event.streamId}, revision ${event.revision}, position ${serializePosition(event.position)}): ${reason}`,
    );
  }
}

export interface BatchResult {
  readonly applied: number;
  readonly checkpoint: string | null;
}

/**
 * Applies `events` to the tables of `schema` and moves the checkpoint, in the caller's transaction: rows and
 * checkpoint commit together or not at all. Events at or before the stored checkpoint are skipped, so a
 * batch replayed after a crash, or overlapping a rebuild's swap, applies nothing twice.
 */
export async function applyEventsInTransaction(
  trx: Kysely<Certm3ReadModel>,
  schema: string,
  events: readonly RecordedEvent[],
  unknownEventPolicy: UnknownEventPolicy,
): Promise<BatchResult> {
  if (schema === LIVE_SCHEMA)
    await sql`SELECT pg_advisory_xact_lock_shared(${SCHEMA_SWAP_LOCK.toString()}::bigint)`.execute(trx);
  const db = trx.withSchema(schema);
  const stored = await db
    .selectFrom('projector_checkpoint')
    .select(['position', 'events_applied'])
    .where('projection', '=', PROJECTION_NAME)
    .forUpdate()
    .executeTakeFirst();
  let checkpoint = stored?.position ? parsePosition(stored.position) : undefined;
  let applied = 0;
  const now = new Date().toISOString();
  for (const event of events) {
    if (checkpoint && comparePositions(event.position, checkpoint) <= 0) continue;
    let outcome;
    try {
      outcome = await applyCertm3Event(db, event);
    } catch (error) {
      throw new EventApplyError(event, error instanceof Error ? error.message : String(error));
    }
    if (outcome === 'unknown-type') {
      if (unknownEventPolicy === 'halt') {
        throw new EventApplyError(
          event,
          `unknown event type "${event.type}" (policy: halt until upgraded or skipped)`,
        );
      }
      await recordSkipped(db, event, `unknown event type (policy: skip)`, now);
    }
    checkpoint = event.position;
    applied++;
  }
  if (applied > 0 && checkpoint) {
    const position = serializePosition(checkpoint);
    const total = BigInt(stored?.events_applied ?? '0') + BigInt(applied);
    await db
      .insertInto('projector_checkpoint')
      .values({ projection: PROJECTION_NAME, position, events_applied: total.toString(), updated_at: now })
      .onConflict((conflict) =>
        conflict
          .column('projection')
          .doUpdateSet({ position, events_applied: total.toString(), updated_at: now }),
      )
      .execute();
  }
  return { applied, checkpoint: checkpoint ? serializePosition(checkpoint) : (stored?.position ?? null) };
}

/** Records an event the operator skipped (or an unknown one skipped by policy) and moves past it. */
export async function skipEventInTransaction(
  trx: Kysely<Certm3ReadModel>,
  schema: string,
  event: RecordedEvent,
  reason: string,
): Promise<void> {
  if (schema === LIVE_SCHEMA)
    await sql`SELECT pg_advisory_xact_lock_shared(${SCHEMA_SWAP_LOCK.toString()}::bigint)`.execute(trx);
  const db = trx.withSchema(schema);
  const now = new Date().toISOString();
  await recordSkipped(db, event, reason, now);
  const position = serializePosition(event.position);
  await db
    .insertInto('projector_checkpoint')
    .values({ projection: PROJECTION_NAME, position, events_applied: 0, updated_at: now })
    .onConflict((conflict) => conflict.column('projection').doUpdateSet({ position, updated_at: now }))
    .execute();
}

async function recordSkipped(db: Kysely<Certm3ReadModel>, event: RecordedEvent, reason: string, now: string) {
  await db
    .insertInto('projector_skipped_events')
    .values({
      position: serializePosition(event.position),
      stream_id: event.streamId,
      stream_revision: event.revision.toString(),
      event_type: event.type,
      reason,
      skipped_at: now,
    })
    .execute();
}

export async function readCheckpoint(db: Kysely<Certm3ReadModel>, schema: string): Promise<string | null> {
  const row = await db
    .withSchema(schema)
    .selectFrom('projector_checkpoint')
    .select('position')
    .where('projection', '=', PROJECTION_NAME)
    .executeTakeFirst();
  return row?.position ?? null;
}
