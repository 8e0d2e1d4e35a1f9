import { randomBytes } from 'node:crypto';
import { errorMessage } from '@certm3/common';
import { Kysely, sql } from 'kysely';
import { Client, ClientBase, escapeIdentifier as id } from 'pg';
import { EventStore } from '@certm3/event-store';
import {
  BatchObserver,
  checkpointMoved,
  moveCheckpointQuery,
  readCheckpoint,
  SKIPPED_BY_POLICY,
  UnknownEventPolicy,
} from '../batch/apply-batch';
import { BookkeepingDatabase } from '../bookkeeping/bookkeeping';
import { lockKey, ReadModel, scratchLayout } from '../model/define-read-model';
import { kyselyOnClient } from '../runner/single-connection';
import { AnyTable } from '../tables/define-table';
import { replayInto, skippedPositions } from './replay';
import { inSavepoint } from '../support/session';
import { withOperationsLock, withScratchSchema } from './scratch-schema';

export interface OperationOptions {
  /** A connection of its own to the model's database (the runner's writer connection when it rebuilds). */
  readonly client: Client;
  readonly model: ReadModel;
  readonly store: EventStore;
  readonly unknownEventPolicy?: UnknownEventPolicy;
  readonly log?: (message: string) => void;
  readonly observer?: BatchObserver;
}

/** Where a rebuild has got to: a test fails it at one of them to see that a failure leaves no trace. */
export type RebuildStage = 'replayed' | 'caught-up' | `replaced:${string}`;

export interface RebuildReport {
  readonly events: number;
  readonly checkpoint: string | null;
  /** What the swap changed in each live table (a row moved aside first counts once, as updated). */
  readonly tables: readonly { table: string; deleted: number; updated: number; inserted: number }[];
  /**
   * Rows whose unique values the swap's UPDATE could not change in one pass (two rows trading emails): their
   * `columns` were first set to temporary values, then to the rebuilt ones, in the same transaction. None
   * was deleted; triggers of others (a dashboard's) on those tables saw both updates.
   */
  readonly movedAside: readonly { table: string; columns: readonly string[]; rows: number }[];
  readonly replayMilliseconds: number;
  /** How long the live projector was paused. */
  readonly swapMilliseconds: number;
}

/**
 * A rebuild that changed nothing because rows of a table trade values of a unique index in a way the swap
 * cannot resolve without deleting them (see replaceRows). The live tables and the checkpoint are as they
 * were.
 */
export class RebuildRefusedError extends Error {
  constructor(
    readonly model: string,
    readonly table: string,
    readonly uniqueIndex: string,
    readonly rows: readonly string[],
    reason: string,
  ) {
    super(
      `rebuild of read model ${model} refused, nothing changed (the live tables and the checkpoint are as they were): ` +
        `rows of ${table} (${rows.join('; ')}) take each other's values of unique index ${uniqueIndex}, which one ` +
        `UPDATE cannot do, and ${reason}. Deleting and inserting them again would delete rows whose key survives ` +
        `(and what references them), so it does not: give one of these rows a value of ${uniqueIndex} no row ` +
        `holds by hand, then rebuild again`,
    );
    this.name = 'RebuildRefusedError';
  }
}

/**
 * A rebuild that changed nothing because the rebuilt copy of an append-only table (an audit log) differs
 * from the live one in rows the live table holds: the swap would have to delete or rewrite them, which an
 * append-only table never allows. The live tables and the checkpoint are as they were.
 */
export class AppendOnlyRebuildRefusedError extends Error {
  constructor(
    readonly model: string,
    readonly table: string,
    readonly vanished: number,
    readonly changed: number,
    readonly rows: readonly string[],
  ) {
    super(
      `rebuild of read model ${model} refused, nothing changed (the live tables and the checkpoint are as they were): ` +
        `table ${table} is append-only, and the rebuilt copy would delete ${vanished} and change ${changed} of its rows ` +
        `(${rows.join('; ')}${vanished + changed > rows.length ? '; …' : ''}). Its rows are only ever added: the projection ` +
        `that writes them changed, or they were written by hand. Archive the table and empty it deliberately (as its owner, ` +
        `with its guard triggers disabled), or restore the projection, then rebuild again`,
    );
    this.name = 'AppendOnlyRebuildRefusedError';
  }
}

/**
 * Rebuilds the live tables from the log while dashboards keep reading them and the live projector keeps
 * projecting into them:
 *
 * 1. replays the whole log into a scratch schema beside the live tables (no reader sees it), leaving out
 *    the events an operator skipped (events the unknown-event policy skipped are judged again);
 * 2. in ONE transaction holding the swap lock (live batches take it shared, so the live projector pauses),
 *    catches the scratch copy up to the head, then makes each live table equal to its copy row for row —
 *    deleting rows whose key vanished, updating rows that differ, inserting new ones (an append-only table
 *    only gains its new rows; one whose rows would change refuses the rebuild) — with the foreign keys
 *    deferred and the model's own triggers disabled (their effects are already in the copy; guards would
 *    refuse the deletes), and moves the checkpoint (forwards only) and the fingerprint; the operators'
 *    skipped-event records stay, the policy's are those of the replay;
 * 3. drops the scratch schema, after a failure too.
 *
 * The tables keep their identity (dependent views, grants, comments, a dashboard's indexes survive), readers
 * see the old rows or the new ones and never a mix (MVCC), rows that did not change are not written, and a
 * row whose key survives is never deleted.
 */
export async function rebuildReadModel(
  options: OperationOptions & { readonly onStage?: (stage: RebuildStage) => void | Promise<void> },
): Promise<RebuildReport> {
  const { client, model, store } = options;
  const log = options.log ?? (() => undefined);
  const stage = async (reached: RebuildStage) => options.onStage?.(reached);
  return withOperationsLock(client, model, () =>
    withScratchSchema(client, model, 'rebuild', async (scratch) => {
      const layout = scratchLayout(scratch);
      const db = kyselyOnClient<unknown>(client);
      const replay = { unknownEventPolicy: options.unknownEventPolicy, observer: options.observer };
      const replayStarted = performance.now();
      log(`${model.name}: replaying the log into ${scratch}`);
      let events = await replayInto(store, db, model, layout, {
        ...replay,
        skip: await skippedPositions(db, model),
      });
      await stage('replayed');
      const replayMilliseconds = performance.now() - replayStarted;
      log(`${model.name}: replayed ${events} events; swapping`);
      const swapStarted = performance.now();
      const { checkpoint, tables, movedAside } = await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${lockKey(model.name, 'swap').toString()}::bigint)`.execute(
          trx,
        );
        events += await replayInto(store, trx, model, layout, {
          ...replay,
          inTransaction: true,
          skip: await skippedPositions(trx, model),
        });
        await stage('caught-up');
        await sql`SET CONSTRAINTS ALL DEFERRED`.execute(trx);
        const triggers = model.tables.flatMap((table) =>
          table.triggers.map((trigger) => ({ table, trigger })),
        );
        const live = model.liveLayout;
        const alterTriggers = async (action: 'DISABLE' | 'ENABLE') => {
          for (const { table, trigger } of triggers)
            await sql
              .raw(`ALTER TABLE ${id(live.tables)}.${id(table.name)} ${action} TRIGGER ${id(trigger.name)}`)
              .execute(trx);
        };
        await alterTriggers('DISABLE');
        const changed = [];
        const moved = [];
        for (const table of model.tables) {
          const { movedAside: aside, ...counts } = await replaceRows(client, model, scratch, table);
          changed.push({ table: table.name, ...counts });
          if (aside) moved.push({ table: table.name, ...aside });
          await stage(`replaced:${table.name}`);
        }
        // The deferred foreign keys are checked now, not at commit: a table with pending checks cannot
        // have its triggers altered.
        await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(trx);
        await alterTriggers('ENABLE');
        await moveLiveCheckpoint(trx, client, model, scratch);
        const stored = await readCheckpoint(trx, model, live);
        return { checkpoint: stored?.position ?? null, tables: changed, movedAside: moved };
      });
      const swapMilliseconds = performance.now() - swapStarted;
      log(`${model.name}: rebuilt from ${events} events; live tables brought to the rebuilt rows`);
      return { events, checkpoint, tables, movedAside, replayMilliseconds, swapMilliseconds };
    }),
  );
}

/**
 * The swap's bookkeeping: the live checkpoint moves to the copy's (forwards only: the copy read the log to
 * its head, operator-skipped events included, so it is never behind; if it were, the swap fails and
 * changes nothing), the fingerprint is stamped on its own (a copy of an empty log has no checkpoint row),
 * and the policy's skipped-event records become the replay's: an event the running definition applied
 * loses its record, one it skipped again keeps its one record. Operators' records stay as they are.
 */
async function moveLiveCheckpoint(
  trx: Kysely<unknown>,
  client: ClientBase,
  model: ReadModel,
  scratch: string,
): Promise<void> {
  const live = model.liveLayout;
  const now = new Date().toISOString();
  const rebuilt = await readCheckpoint(trx, model, scratchLayout(scratch));
  if (rebuilt?.position)
    checkpointMoved(
      await trx.executeQuery(
        moveCheckpointQuery(trx, model, live, rebuilt.position, {
          eventsApplied: rebuilt.eventsApplied,
          now,
        }),
      ),
      model,
      rebuilt.position,
    );
  await (trx as Kysely<BookkeepingDatabase>)
    .withSchema(live.bookkeeping)
    .insertInto('projector_checkpoint')
    .values({ projection: model.name, position: null, updated_at: now, fingerprint: model.fingerprint })
    .onConflict((conflict) => conflict.column('projection').doUpdateSet({ fingerprint: model.fingerprint }))
    .execute();
  const bookkeeping = { live: id(live.bookkeeping), scratch: id(scratch) };
  await client.query(
    `DELETE FROM ${bookkeeping.live}.projector_skipped_events l
      WHERE l.reason = $1
        AND NOT EXISTS (SELECT 1 FROM ${bookkeeping.scratch}.projector_skipped_events s WHERE s.position = l.position)`,
    [SKIPPED_BY_POLICY],
  );
  await client.query(
    `INSERT INTO ${bookkeeping.live}.projector_skipped_events (position, stream_id, stream_revision, event_type, reason, skipped_at)
     SELECT s.position, s.stream_id, s.stream_revision, s.event_type, s.reason, s.skipped_at
       FROM ${bookkeeping.scratch}.projector_skipped_events s
      WHERE NOT EXISTS (SELECT 1 FROM ${bookkeeping.live}.projector_skipped_events l WHERE l.position = s.position)`,
  );
}

/** A unique key or index of a table besides its primary key, with the columns its keys use. */
interface UniqueSet {
  readonly name: string;
  readonly columns: readonly string[];
}

function uniqueSetsOf(table: AnyTable): UniqueSet[] {
  const columnsIn = (key: string) => {
    if (key in table.columns) return [key];
    const plain = key.replace(/ DESC$/, '');
    if (plain in table.columns) return [plain];
    // An expression (`lower(email)`): every column it names.
    return Object.keys(table.columns).filter((column) => new RegExp(`\\b${column}\\b`).test(key));
  };
  return [
    ...table.uniques.map((unique) => ({ name: unique.name, columns: unique.columns })),
    ...table.indexes
      .filter((index) => index.unique)
      .map((index) => ({ name: index.name, columns: [...new Set(index.keys.flatMap(columnsIn))] })),
  ].filter((set) => set.columns.some((column) => !table.primaryKey.includes(column)));
}

/** A column a temporary value can be written to whatever the other rows hold: text of some kind. */
const TEXT_LIKE = /^(text|citext|varchar|character varying|char|character|bpchar)\b/i;

/**
 * Makes the live table equal to the scratch copy, row for row, matching rows by primary key: deletes the
 * rows whose key vanished, updates those that differ, inserts the new ones. Runs inside the swap's
 * transaction (on its connection).
 *
 * A unique index is checked row by row as one UPDATE goes, so rows that trade values (two users swapping
 * emails) collide half-way. Then the rows whose values of a unique index change are first moved aside —
 * one text column of the index set to a temporary value no other row holds (`\x01<nonce><ctid>`) — and
 * the UPDATE runs again; those rows are updated twice and deleted never (a dashboard's rows that reference
 * them, by a cascading foreign key or not, stay). Where that cannot be done (no text column in the index, or the
 * temporary value fails a CHECK, a length, a dashboard's foreign key), the rebuild is refused
 * (RebuildRefusedError) and the transaction rolls back.
 */
async function replaceRows(
  client: ClientBase,
  model: ReadModel,
  scratchSchema: string,
  table: AnyTable,
): Promise<{
  deleted: number;
  updated: number;
  inserted: number;
  movedAside?: { columns: string[]; rows: number };
}> {
  const live = `${id(model.liveLayout.tables)}.${id(table.name)}`;
  const rebuilt = `${id(scratchSchema)}.${id(table.name)}`;
  const columns = Object.keys(table.columns);
  const others = columns.filter((column) => !table.primaryKey.includes(column));
  const sameKey = table.primaryKey.map((column) => `l.${id(column)} = s.${id(column)}`).join(' AND ');
  const list = columns.map(id).join(', ');
  const tuple = (alias: string, of: readonly string[]) =>
    `(${of.map((column) => `${alias}.${id(column)}`).join(', ')})`;
  const count = async (text: string) => (await client.query(text)).rowCount ?? 0;
  const inReplaceSavepoint = <T>(work: () => Promise<T>) => inSavepoint(client, 'replace_rows', work);

  if (table.appendOnly) await refuseRewritingAppendOnly(client, model, table, live, rebuilt);
  const deleted = await count(
    `DELETE FROM ${live} l WHERE NOT EXISTS (SELECT 1 FROM ${rebuilt} s WHERE ${sameKey})`,
  );
  let updated = 0;
  let movedAside: { columns: string[]; rows: number } | undefined;
  if (others.length) {
    const differs = `${sameKey} AND ${tuple('l', others)} IS DISTINCT FROM ${tuple('s', others)}`;
    const update = `UPDATE ${live} l SET ${others.map((column) => `${id(column)} = s.${id(column)}`).join(', ')}
           FROM ${rebuilt} s WHERE ${differs}`;
    try {
      updated = await inReplaceSavepoint(() => count(update));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const sets = uniqueSetsOf(table);
      const collided = sets.find((set) => set.name === error.constraint);
      const refuse = async (reason: string): Promise<never> => {
        const changing = collided
          ? `${sameKey} AND ${tuple('l', collided.columns)} IS DISTINCT FROM ${tuple('s', collided.columns)}`
          : differs;
        const key = table.primaryKey.map((column) => `${column}=' || l.${id(column)}::text || '`).join(', ');
        const { rows } = await client.query<{ row: string }>(
          `SELECT '${key}' AS row FROM ${live} l JOIN ${rebuilt} s ON ${changing} ORDER BY 1 LIMIT 10`,
        );
        throw new RebuildRefusedError(
          model.name,
          table.name,
          error.constraint ?? 'of the table',
          rows.map((row) => row.row),
          `${reason} (${error.detail ?? error.message})`,
        );
      };
      // For each unique index, the rows whose values of it change, and the text column that moves them.
      const moves = new Map<string, string[]>();
      for (const set of sets) {
        const column = set.columns.find(
          (candidate) =>
            !table.primaryKey.includes(candidate) && TEXT_LIKE.test(table.columns[candidate].spec.type),
        );
        const changing = `${tuple('l', set.columns)} IS DISTINCT FROM ${tuple('s', set.columns)}`;
        if (!column) {
          if (set.name === error.constraint)
            await refuse(`moving them aside needs a text column in ${set.name}, which it has not`);
          continue;
        }
        moves.set(column, [...(moves.get(column) ?? []), changing]);
      }
      if (moves.size === 0)
        await refuse('moving them aside needs a text column in a unique index, which none has');
      const nonce = randomBytes(2).toString('hex');
      const condition = (conditions: readonly string[]) => conditions.map((c) => `(${c})`).join(' OR ');
      const moveAside = `UPDATE ${live} l SET ${[...moves]
        .map(
          ([column, conditions]) =>
            `${id(column)} = CASE WHEN ${condition(conditions)} THEN chr(1) || '${nonce}' || l.ctid::text ELSE l.${id(column)} END`,
        )
        .join(', ')}
           FROM ${rebuilt} s WHERE ${sameKey} AND (${condition([...moves.values()].flat())})`;
      try {
        const rows = await inReplaceSavepoint(() => count(moveAside));
        movedAside = { columns: [...moves.keys()], rows };
      } catch (asideError) {
        await refuse(`moving them aside to temporary values failed: ${errorMessage(asideError)}`);
      }
      try {
        updated = await inReplaceSavepoint(() => count(update));
      } catch (again) {
        if (!isUniqueViolation(again)) throw again;
        await refuse(`they still collide once moved aside: ${errorMessage(again)}`);
      }
    }
  }
  const inserted = await count(
    `INSERT INTO ${live} (${list}) SELECT ${list} FROM ${rebuilt} s
      WHERE NOT EXISTS (SELECT 1 FROM ${live} l WHERE ${sameKey})`,
  );
  return { deleted, updated, inserted, ...(movedAside ? { movedAside } : {}) };
}

/**
 * An append-only table only gains rows in a swap: if a live row's key vanished from the copy, or the copy
 * holds it otherwise, the rebuild is refused before anything is written.
 */
async function refuseRewritingAppendOnly(
  client: ClientBase,
  model: ReadModel,
  table: AnyTable,
  live: string,
  rebuilt: string,
): Promise<void> {
  const sameKey = table.primaryKey.map((column) => `l.${id(column)} = s.${id(column)}`).join(' AND ');
  const columns = Object.keys(table.columns);
  const tuple = (alias: string) => `(${columns.map((column) => `${alias}.${id(column)}`).join(', ')})`;
  const missing = `s.${id(table.primaryKey[0])} IS NULL`;
  const differing = `FROM ${live} l LEFT JOIN ${rebuilt} s ON ${sameKey}
      WHERE ${missing} OR ${tuple('l')} IS DISTINCT FROM ${tuple('s')}`;
  const counted = await client.query<{ vanished: number; changed: number }>(
    `SELECT count(*) FILTER (WHERE ${missing})::int AS vanished, count(*) FILTER (WHERE NOT (${missing}))::int AS changed ${differing}`,
  );
  const { vanished, changed } = counted.rows[0];
  if (vanished + changed === 0) return;
  const key = table.primaryKey.map((column) => `${column}=' || l.${id(column)}::text || '`).join(', ');
  const { rows } = await client.query<{ row: string }>(
    `SELECT '${key}' AS row ${differing} ORDER BY 1 LIMIT 10`,
  );
  throw new AppendOnlyRebuildRefusedError(
    model.name,
    table.name,
    vanished,
    changed,
    rows.map((row) => row.row),
  );
}

function isUniqueViolation(
  error: unknown,
): error is Error & { code: string; constraint?: string; detail?: string } {
  return (error as { code?: string } | undefined)?.code === '23505';
}
