import { randomBytes } from 'node:crypto';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { escapeIdentifier } from 'pg';
import {
  comparePositions,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { COLUMN_TYPES, planCertm3Event, runSteps, Step } from '../read-model/certm3-projection';
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
 * A batch's statements, built before its transaction: a rebuild plans the next batch while the one before
 * it is being written. Planning is pure (nothing runs), so a plan is only a proposal: the transaction that
 * applies it checks that the checkpoint it finds is still before the batch, and plans again if not.
 */
export interface PlannedBatch {
  readonly schema: string;
  readonly events: readonly RecordedEvent[];
  readonly policy: UnknownEventPolicy;
  /** The events to apply, after the checkpoint the plan assumed, with their statements. */
  readonly planned: readonly { event: RecordedEvent; steps: Step[]; skipped?: string }[];
  /** The DO block running every statement merged, when there are several (see runPlanned). */
  readonly merged?: string;
  /** Why an event cannot be applied; thrown when the batch is applied, so earlier batches still commit. */
  readonly failure?: EventApplyError;
}

export function planBatch(
  db: Kysely<Certm3ReadModel>,
  schema: string,
  events: readonly RecordedEvent[],
  policy: UnknownEventPolicy,
  after?: GlobalPosition,
): PlannedBatch {
  const scoped = db.withSchema(schema);
  const planned: { event: RecordedEvent; steps: Step[]; skipped?: string }[] = [];
  let checkpoint = after;
  for (const event of events) {
    if (checkpoint && comparePositions(event.position, checkpoint) <= 0) continue;
    let plan;
    try {
      plan = planCertm3Event(scoped, event);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { schema, events, policy, planned, failure: new EventApplyError(event, reason) };
    }
    if (plan.outcome === 'unknown-type' && policy === 'halt') {
      const reason = `unknown event type "${event.type}" (policy: halt until upgraded or skipped)`;
      return { schema, events, policy, planned, failure: new EventApplyError(event, reason) };
    }
    planned.push({
      event,
      steps: plan.steps,
      skipped: plan.outcome === 'unknown-type' ? 'unknown event type (policy: skip)' : undefined,
    });
    checkpoint = event.position;
  }
  const steps = planned.flatMap((entry) => entry.steps);
  return { schema, events, policy, planned, merged: steps.length > 1 ? doBlock(schema, steps) : undefined };
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
  return applyPlannedBatchInTransaction(trx, planBatch(trx, schema, events, unknownEventPolicy));
}

/** As applyEventsInTransaction, for a batch planned beforehand (planned again if the checkpoint moved). */
export async function applyPlannedBatchInTransaction(
  trx: Kysely<Certm3ReadModel>,
  proposed: PlannedBatch,
): Promise<BatchResult> {
  const { schema } = proposed;
  if (schema === LIVE_SCHEMA)
    await sql`SELECT pg_advisory_xact_lock_shared(${SCHEMA_SWAP_LOCK.toString()}::bigint)`.execute(trx);
  const db = trx.withSchema(schema);
  const stored = await db
    .selectFrom('projector_checkpoint')
    .select(['position', 'events_applied'])
    .where('projection', '=', PROJECTION_NAME)
    .forUpdate()
    .executeTakeFirst();
  const storedCheckpoint = stored?.position ? parsePosition(stored.position) : undefined;
  const first = proposed.events[0];
  // The plan assumed no event of the batch was applied yet; if one was, plan what is left.
  const batch =
    storedCheckpoint && first && comparePositions(first.position, storedCheckpoint) <= 0
      ? planBatch(trx, schema, proposed.events, proposed.policy, storedCheckpoint)
      : proposed;
  if (batch.failure) throw batch.failure;
  const now = new Date().toISOString();
  for (const { event, skipped } of batch.planned) if (skipped) await recordSkipped(db, event, skipped, now);
  const applied = batch.planned.length;
  const last = batch.planned[applied - 1]?.event.position;
  const position = last ? serializePosition(last) : undefined;
  const total = (BigInt(stored?.events_applied ?? '0') + BigInt(applied)).toString();
  // The checkpoint moves in the same transaction as the rows, after them.
  const moveCheckpoint = position
    ? db
        .insertInto('projector_checkpoint')
        .values({ projection: PROJECTION_NAME, position, events_applied: total, updated_at: now })
        .onConflict((conflict) =>
          conflict.column('projection').doUpdateSet({ position, events_applied: total, updated_at: now }),
        )
        .compile()
    : undefined;
  await runPlanned(trx, db, batch, moveCheckpoint);
  return { applied, checkpoint: position ?? stored?.position ?? null };
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

/**
 * Runs the batch's statements in one round trip: a DO block that executes them and checks every row count.
 * Changes of the same shape (an insert into one table, or an update of the same columns) are merged into
 * one statement per "layer": a change goes to the first layer after every earlier change that writes a row
 * it reads or writes, so merged changes touch different rows and the outcome is the one-by-one outcome.
 * (Reads are foreign keys: they need the row to exist, which no update undoes, so an update need not wait
 * for them.) Deletes stay single statements that nothing is moved across. Any failure (a
 * constraint — merging can meet a unique key in another order, a row count) rolls back to a savepoint and
 * the batch runs again one statement at a time, which names the event that fails. Parameters are inlined
 * as escaped literals.
 */
async function runPlanned(
  trx: Kysely<Certm3ReadModel>,
  db: Kysely<Certm3ReadModel>,
  batch: PlannedBatch,
  moveCheckpoint: CompiledQuery | undefined,
): Promise<void> {
  const runOneByOne = async () => {
    for (const { event, steps } of batch.planned) {
      try {
        await runSteps(db, steps);
      } catch (error) {
        throw new EventApplyError(event, error instanceof Error ? error.message : String(error));
      }
    }
    if (moveCheckpoint) await trx.executeQuery(moveCheckpoint);
  };
  if (!batch.merged) return runOneByOne();
  // One round trip: a simple query runs several statements and stops at the first that fails, which the
  // savepoint then undoes whole.
  const checkpointStatement = moveCheckpoint
    ? `${inlineParameters(moveCheckpoint.sql, moveCheckpoint.parameters)};`
    : '';
  try {
    await sql
      .raw(`SAVEPOINT certm3_batch; ${batch.merged}; ${checkpointStatement} RELEASE SAVEPOINT certm3_batch;`)
      .execute(trx);
  } catch {
    await sql`ROLLBACK TO SAVEPOINT certm3_batch`.execute(trx);
    await runOneByOne();
  }
}

function doBlock(schema: string, steps: readonly Step[]): string {
  const body = mergedStatements(schema, steps).join('\n  ');
  let tag = '';
  do tag = `$certm3_${randomBytes(6).toString('hex')}$`;
  while (body.includes(tag));
  return `DO ${tag} DECLARE affected bigint; BEGIN\n  ${body}\nEND ${tag}`;
}

/** The batch's steps as PL/pgSQL statements, merged by shape within layers (see runPlanned). */
export function mergedStatements(schema: string, steps: readonly Step[]): string[] {
  const layers: Step[][] = [];
  const lastWrite = new Map<string, number>();
  let floor = 0; // nothing moves before a statement that could not be merged
  for (const step of steps) {
    const change = step.change;
    if (!change) {
      const layer = layers.length;
      layers.push([step]);
      floor = layer + 1;
      continue;
    }
    let layer = floor;
    for (const key of [...change.writes, ...change.reads])
      layer = Math.max(layer, (lastWrite.get(key) ?? -1) + 1);
    while (layers.length <= layer) layers.push([]);
    layers[layer].push(step);
    for (const key of change.writes) lastWrite.set(key, layer);
  }

  const statements: string[] = [];
  for (const layer of layers) {
    const shapes = new Map<string, Step[]>();
    for (const step of layer) {
      const change = step.change;
      const shape = change
        ? `${change.table} ${change.kind} ${change.key ?? ''} ${Object.keys(change.values).sort().join(',')}`
        : `single ${shapes.size}`;
      const sameShape = shapes.get(shape);
      if (sameShape) sameShape.push(step);
      else shapes.set(shape, [step]);
    }
    for (const group of shapes.values()) {
      statements.push(group.length === 1 || !group[0].change ? single(group[0]) : merged(schema, group));
    }
  }
  return statements;
}

function single(step: Step): string {
  const statement = `${inlineParameters(step.query.sql, step.query.parameters)};`;
  return step.changesOneRow ? `${statement}\n  ${expectRows(1)}` : statement;
}

function merged(schema: string, group: readonly Step[]): string {
  const { table, kind, key, values } = group[0].change!;
  const types = COLUMN_TYPES[table];
  const columns = Object.keys(values);
  const rows = quoteLiteral(JSON.stringify(group.map((step) => step.change!.values)));
  const recordset = `jsonb_to_recordset(${rows}::jsonb) AS r(${columns
    .map((column) => `${escapeIdentifier(column)} ${types[column]}`)
    .join(', ')})`;
  const target = `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  if (kind === 'insert') {
    const list = columns.map((column) => escapeIdentifier(column)).join(', ');
    return `INSERT INTO ${target} (${list}) SELECT ${list} FROM ${recordset};`;
  }
  const assignments = columns
    .filter((column) => column !== key)
    .map((column) => `${escapeIdentifier(column)} = r.${escapeIdentifier(column)}`)
    .join(', ');
  const keyColumn = escapeIdentifier(key!);
  return `UPDATE ${target} AS t SET ${assignments} FROM ${recordset} WHERE t.${keyColumn} = r.${keyColumn};\n  ${expectRows(group.length)}`;
}

function expectRows(count: number): string {
  return `GET DIAGNOSTICS affected = ROW_COUNT;\n  IF affected <> ${count} THEN RAISE EXCEPTION 'row count'; END IF;`;
}

function inlineParameters(text: string, parameters: readonly unknown[]): string {
  // kysely quotes identifiers and passes every value as a parameter, so `$n` only ever is a placeholder.
  return text.replace(/\$(\d+)/g, (_, index: string) => literal(parameters[Number(index) - 1]));
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return quoteLiteral(value);
  return quoteLiteral(JSON.stringify(value));
}

/**
 * A string as an SQL literal, as pg's escapeLiteral writes it (quotes doubled; with a backslash, an E''
 * literal with backslashes doubled, right whatever standard_conforming_strings says), but with the
 * engine's regular expressions: pg's loop appends one character at a time, which on a batch's merged rows
 * (hundreds of kilobytes) cost more than the rest of planning.
 */
export function quoteLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
