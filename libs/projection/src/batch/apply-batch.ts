import { errorMessage } from '@certm3/common';
import { CompiledQuery, Kysely, sql } from 'kysely';
import {
  comparePositions,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { BookkeepingDatabase } from '../bookkeeping/bookkeeping';
import { lockKey, projectedEvent, ReadModel, ReadModelLayout } from '../model/define-read-model';
import { doBlock, inlineParameters, mergedStatements } from './merge-statements';
import { compilingKysely, rowWriter, RowWriter, Step } from './step';

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
    this.name = 'EventApplyError';
  }
}

/** A projection finds the event inconsistent with the tables (a handler throws it): the run halts on it. */
export class ProjectionError extends Error {}

export interface BatchResult {
  readonly applied: number;
  readonly checkpoint: string | null;
}

/** Told when a merged batch failed and ran again one statement at a time (it names the error). */
export interface BatchObserver {
  mergedBatchFellBack?(error: unknown, events: number): void;
}

/**
 * A batch's statements, built before its transaction: a rebuild plans the next batch while the one before
 * it is being written. Planning is pure (nothing runs), so a plan is only a proposal: the transaction that
 * applies it checks that the checkpoint it finds is still before the batch, and plans again if not.
 */
export interface PlannedBatch {
  readonly model: ReadModel;
  readonly layout: ReadModelLayout;
  readonly events: readonly RecordedEvent[];
  readonly policy: UnknownEventPolicy;
  readonly leaveOut?: ReadonlySet<string>;
  /** The events to apply, after the checkpoint the plan assumed, with their statements. */
  readonly planned: readonly PlannedEvent[];
  /** Every statement, merged, when there are several: run in one DO block with the checkpoint (runPlanned). */
  readonly merged?: readonly string[];
  /** Why an event cannot be applied; thrown when the batch is applied, so earlier batches still commit. */
  readonly failure?: EventApplyError;
}

export interface PlannedEvent {
  readonly event: RecordedEvent;
  readonly steps: readonly Step[];
  /** Skipped by the unknown-event policy: recorded in projector_skipped_events when the batch commits. */
  readonly skipped?: string;
  /** An event an operator skipped (see PlanOptions.leaveOut): no statements, not counted, not recorded. */
  readonly leftOut?: boolean;
}

export interface PlanOptions {
  /** Events at or before it are applied already: the plan starts after it. */
  readonly after?: GlobalPosition;
  /**
   * Serialized positions of events an operator skipped, which a rebuild or a verification leaves out: they
   * are planned with no statements, so the copy's checkpoint passes them like the live one did.
   */
  readonly leaveOut?: ReadonlySet<string>;
}

/** Why an event type is skipped under UNKNOWN_EVENT_POLICY=skip: the reason its record carries. */
export const SKIPPED_BY_POLICY = 'unknown event type (policy: skip)';
/** The reason an operator's skip is recorded with. */
export const SKIPPED_BY_OPERATOR = 'skipped by an operator';

const writers = new WeakMap<ReadModel, Map<string, RowWriter<unknown>>>();

/** The row writer handlers get, compiling for the layout's tables schema; one per model and schema. */
function writerFor(model: ReadModel, schema: string): RowWriter<unknown> {
  let bySchema = writers.get(model);
  if (!bySchema) writers.set(model, (bySchema = new Map()));
  let writer = bySchema.get(schema);
  if (!writer) {
    writer = rowWriter(compilingKysely<unknown>().withSchema(schema), model.tableByName);
    bySchema.set(schema, writer);
  }
  return writer;
}

export function planBatch(
  model: ReadModel,
  layout: ReadModelLayout,
  events: readonly RecordedEvent[],
  policy: UnknownEventPolicy,
  options: PlanOptions = {},
): PlannedBatch {
  const { leaveOut } = options;
  const rows = writerFor(model, layout.tables);
  const planned: PlannedEvent[] = [];
  const failed = (event: RecordedEvent, reason: string): PlannedBatch => ({
    model,
    layout,
    events,
    policy,
    leaveOut,
    planned,
    failure: new EventApplyError(event, reason),
  });
  let checkpoint = options.after;
  for (const event of events) {
    if (checkpoint && comparePositions(event.position, checkpoint) <= 0) continue;
    checkpoint = event.position;
    if (leaveOut?.has(serializePosition(event.position))) {
      planned.push({ event, steps: [], leftOut: true });
      continue;
    }
    const handlers = model.handlersByType.get(event.type);
    if (!handlers && !model.ignored.has(event.type) && policy === 'halt')
      return failed(event, `unknown event type "${event.type}" (policy: halt until upgraded or skipped)`);
    const steps: Step[] = [];
    if (handlers) {
      try {
        const projected = projectedEvent(model, event);
        for (const handler of handlers) steps.push(...handler(projected, rows));
      } catch (error) {
        return failed(event, errorMessage(error));
      }
    }
    planned.push({
      event,
      steps,
      skipped: handlers || model.ignored.has(event.type) ? undefined : SKIPPED_BY_POLICY,
    });
  }
  const steps = planned.flatMap((entry) => entry.steps);
  let merged: string[] | undefined;
  if (steps.length > 1) {
    try {
      merged = mergedStatements(layout.tables, steps, model.tableByName);
    } catch {
      // Whatever could not be merged runs one statement at a time, where its failure names its event.
      merged = undefined;
    }
  }
  return { model, layout, events, policy, leaveOut, planned, merged };
}

/**
 * Set (transaction-local, to `on`) in every transaction that applies a batch, live, replayed or in a spec:
 * a table's trigger can tell the projector's writes from anyone else's. A trigger that stamps `updated_at`
 * keeps the value the projector wrote (the event's time, so a rebuild is row for row identical) and stamps
 * now() on a manual UPDATE. Read it with `current_setting('certm3_projection.writer', true)`.
 */
export const PROJECTION_WRITER_SETTING = 'certm3_projection.writer';

/** Marks the transaction as the projector's (see PROJECTION_WRITER_SETTING); the live one also takes the swap lock. */
async function beginBatch(trx: Kysely<unknown>, model: ReadModel, layout: ReadModelLayout): Promise<void> {
  const writer = sql`set_config(${PROJECTION_WRITER_SETTING}, 'on', true)`;
  if (layout.live)
    await sql`SELECT pg_advisory_xact_lock_shared(${lockKey(model.name, 'swap').toString()}::bigint), ${writer}`.execute(
      trx,
    );
  else await sql`SELECT ${writer}`.execute(trx);
}

/** Live batches take the swap lock shared: a rebuild's swap (exclusive) waits for them and pauses them. */
async function lockAgainstSwap(
  trx: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
): Promise<void> {
  if (layout.live)
    await sql`SELECT pg_advisory_xact_lock_shared(${lockKey(model.name, 'swap').toString()}::bigint)`.execute(
      trx,
    );
}

const bookkeeping = (trx: Kysely<unknown>, layout: ReadModelLayout) =>
  (trx as Kysely<BookkeepingDatabase>).withSchema(layout.bookkeeping);

/**
 * Applies `events` to the layout's tables and moves the checkpoint, in the caller's transaction: rows and
 * checkpoint commit together or not at all. Events at or before the stored checkpoint are skipped, so a
 * batch replayed after a crash, or overlapping a rebuild's swap, applies nothing twice.
 */
export async function applyEventsInTransaction(
  trx: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
  events: readonly RecordedEvent[],
  unknownEventPolicy: UnknownEventPolicy,
  observer?: BatchObserver,
): Promise<BatchResult> {
  return applyPlannedBatchInTransaction(trx, planBatch(model, layout, events, unknownEventPolicy), observer);
}

/** As applyEventsInTransaction, for a batch planned beforehand (planned again if the checkpoint moved). */
export async function applyPlannedBatchInTransaction(
  trx: Kysely<unknown>,
  proposed: PlannedBatch,
  observer?: BatchObserver,
): Promise<BatchResult> {
  const { model, layout } = proposed;
  await beginBatch(trx, model, layout);
  const db = bookkeeping(trx, layout);
  // No FOR UPDATE: the writer lock and the swap lock already make this the only writer, and a row lock
  // would give the transaction an id before its first write. The PostgreSQL event store holds back every
  // subscriber's delivery behind the oldest open transaction id on the server, so a batch waiting on a lock
  // of its table (a slow model) must not have one yet, or it would stall every other model too.
  const stored = await db
    .selectFrom('projector_checkpoint')
    .select(['position', 'events_applied'])
    .where('projection', '=', model.name)
    .executeTakeFirst();
  const storedCheckpoint = stored?.position ? parsePosition(stored.position) : undefined;
  const first = proposed.events[0];
  // The plan assumed no event of the batch was applied yet; if one was, plan what is left.
  const batch =
    storedCheckpoint && first && comparePositions(first.position, storedCheckpoint) <= 0
      ? planBatch(model, layout, proposed.events, proposed.policy, {
          after: storedCheckpoint,
          leaveOut: proposed.leaveOut,
        })
      : proposed;
  if (batch.failure) throw batch.failure;
  const now = new Date().toISOString();
  for (const { event, skipped } of batch.planned) if (skipped) await recordSkipped(db, event, skipped, now);
  const applied = batch.planned.filter((entry) => !entry.leftOut).length;
  const last = batch.planned[batch.planned.length - 1]?.event.position;
  const position = last ? serializePosition(last) : undefined;
  const total = (BigInt(stored?.events_applied ?? '0') + BigInt(applied)).toString();
  // The checkpoint moves in the same transaction as the rows, after them.
  const moveCheckpoint = position
    ? moveCheckpointQuery(trx, model, layout, position, { eventsApplied: total, now })
    : undefined;
  await runPlanned(trx, batch, moveCheckpoint, observer);
  return { applied, checkpoint: position ?? stored?.position ?? null };
}

/** Positions compared as a pair of numbers in SQL, as comparePositions and has_applied compare them. */
const positionPair = (expression: string) =>
  `(split_part(${expression}, '/', 1)::numeric, split_part(${expression}, '/', 2)::numeric)`;

/**
 * The one statement that writes a model's checkpoint position (batches, skips and rebuilds all use it): it
 * inserts the row, or moves the position forwards (or leaves it where it is), never backwards. A move
 * backwards changes no row, and every caller checks that one row changed (see checkpointMoved): a rebuild,
 * a skip or a batch that would take the checkpoint back fails instead of applying events twice.
 */
export function moveCheckpointQuery(
  trx: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
  position: string,
  options: { readonly eventsApplied?: string; readonly now: string },
): CompiledQuery {
  const { eventsApplied, now } = options;
  const forwards = `projector_checkpoint.position IS NULL OR ${positionPair('projector_checkpoint.position')} <= ${positionPair('excluded.position')}`;
  return bookkeeping(trx, layout)
    .insertInto('projector_checkpoint')
    .values({ projection: model.name, position, events_applied: eventsApplied ?? '0', updated_at: now })
    .onConflict((conflict) =>
      conflict
        .column('projection')
        .doUpdateSet(
          eventsApplied === undefined
            ? { position, updated_at: now }
            : { position, events_applied: eventsApplied, updated_at: now },
        )
        .where(sql<boolean>`${sql.raw(forwards)}`),
    )
    .compile();
}

/** The guard of moveCheckpointQuery: it changed the one row, or the checkpoint would have moved back. */
export function checkpointMoved(
  result: { numAffectedRows?: bigint },
  model: ReadModel,
  position: string,
): void {
  if (result.numAffectedRows !== 1n)
    throw new Error(
      `${model.name}: refusing to move the checkpoint back to ${position}: events after it are applied already`,
    );
}

/** What an operator's skip of a halted event did. */
export interface SkipResult {
  /** False when the checkpoint had passed the event already (a rebuild applied it): nothing was written. */
  readonly skipped: boolean;
  readonly checkpoint: string;
}

/**
 * Records an event the operator skipped and moves the checkpoint past it, in the caller's transaction.
 * When the stored checkpoint is at or past the event already (a rebuild ran while the model was halted on
 * it and applied it), nothing is written: the event is not skipped, and the checkpoint stays where it is.
 */
export async function skipEventInTransaction(
  trx: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
  event: RecordedEvent,
  reason: string,
): Promise<SkipResult> {
  await lockAgainstSwap(trx, model, layout);
  const db = bookkeeping(trx, layout);
  const stored = await db
    .selectFrom('projector_checkpoint')
    .select('position')
    .where('projection', '=', model.name)
    .executeTakeFirst();
  if (stored?.position && comparePositions(parsePosition(stored.position), event.position) >= 0)
    return { skipped: false, checkpoint: stored.position };
  const now = new Date().toISOString();
  await recordSkipped(db, event, reason, now);
  const position = serializePosition(event.position);
  checkpointMoved(
    await trx.executeQuery(moveCheckpointQuery(trx, model, layout, position, { now })),
    model,
    position,
  );
  return { skipped: true, checkpoint: position };
}

/**
 * Records that an operator skipped an event without moving the checkpoint (once per position): the model
 * halted on it while rebuilding, and the rebuild leaves it out and moves the checkpoint itself.
 */
export async function recordOperatorSkip(
  db: Kysely<unknown>,
  model: ReadModel,
  event: RecordedEvent,
): Promise<void> {
  const skipped = bookkeeping(db, model.liveLayout);
  const position = serializePosition(event.position);
  const known = await skipped
    .selectFrom('projector_skipped_events')
    .select('id')
    .where('position', '=', position)
    .where('reason', '=', SKIPPED_BY_OPERATOR)
    .executeTakeFirst();
  if (!known) await recordSkipped(skipped, event, SKIPPED_BY_OPERATOR, new Date().toISOString());
}

async function recordSkipped(
  db: Kysely<BookkeepingDatabase>,
  event: RecordedEvent,
  reason: string,
  now: string,
) {
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

/**
 * Runs the batch's statements in one round trip (the merged DO block, see merge-statements). Any failure
 * (a constraint — merging can meet a unique key in another order —, a row count) rolls back to a savepoint
 * and the batch runs again one statement at a time, which names the event that fails; the observer hears of
 * it, since a batch that keeps falling back is a slow one.
 */
async function runPlanned(
  trx: Kysely<unknown>,
  batch: PlannedBatch,
  moveCheckpoint: CompiledQuery | undefined,
  observer: BatchObserver | undefined,
): Promise<void> {
  const { model } = batch;
  const position = batch.planned[batch.planned.length - 1]?.event.position;
  const runOneByOne = async () => {
    for (const { event, steps } of batch.planned) {
      try {
        await runSteps(trx, steps);
      } catch (error) {
        throw new EventApplyError(event, errorMessage(error));
      }
    }
    if (moveCheckpoint && position)
      checkpointMoved(await trx.executeQuery(moveCheckpoint), model, serializePosition(position));
  };
  if (!batch.merged) return runOneByOne();
  // A simple query runs several statements and stops at the first that fails, which the savepoint then
  // undoes whole. The checkpoint moves inside the DO block, which checks that it moved (never backwards).
  const checkpointStatements = moveCheckpoint
    ? [
        `${inlineParameters(moveCheckpoint.sql, moveCheckpoint.parameters)};`,
        `GET DIAGNOSTICS affected = ROW_COUNT;\n  IF affected <> 1 THEN RAISE EXCEPTION 'checkpoint would move backwards'; END IF;`,
      ]
    : [];
  try {
    await sql
      .raw(
        `SAVEPOINT projector_batch; ${doBlock([...batch.merged, ...checkpointStatements])}; RELEASE SAVEPOINT projector_batch;`,
      )
      .execute(trx);
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT projector_batch`.execute(trx);
    observer?.mergedBatchFellBack?.(error, batch.planned.length);
    await runOneByOne();
  }
}

/** Runs one event's steps, each in its own round trip, checking what each must change. */
export async function runSteps(db: Kysely<unknown>, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    const result = await db.executeQuery(step.query);
    if (step.changesOneRow && result.numAffectedRows !== 1n) {
      throw new ProjectionError(
        `${step.changesOneRow}: expected to change 1 row, changed ${result.numAffectedRows ?? 0}`,
      );
    }
  }
}

export async function readCheckpoint(
  db: Kysely<unknown>,
  model: ReadModel,
  layout: ReadModelLayout,
): Promise<{ position: string | null; eventsApplied: string; fingerprint: string | null } | undefined> {
  const row = await bookkeeping(db, layout)
    .selectFrom('projector_checkpoint')
    .select(['position', 'events_applied', 'fingerprint'])
    .where('projection', '=', model.name)
    .executeTakeFirst();
  return (
    row && { position: row.position, eventsApplied: String(row.events_applied), fingerprint: row.fingerprint }
  );
}
