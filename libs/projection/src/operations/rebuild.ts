import { sql } from 'kysely';
import { Client, ClientBase, escapeIdentifier as id } from 'pg';
import { EventStore } from '@certm3/event-store';
import { BatchObserver, readCheckpoint, UnknownEventPolicy } from '../batch/apply-batch';
import { lockKey, ReadModel, scratchLayout } from '../model/define-read-model';
import { kyselyOnClient } from '../runner/single-connection';
import { AnyTable } from '../tables/define-table';
import { replayInto, skippedPositions } from './replay';
import { createScratchSchema, dropSchema, withOperationsLock } from './scratch-schema';

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
  /** What the swap changed in each live table. */
  readonly tables: readonly { table: string; deleted: number; updated: number; inserted: number }[];
  readonly replayMilliseconds: number;
  /** How long the live projector was paused. */
  readonly swapMilliseconds: number;
}

/**
 * Rebuilds the live tables from the log while dashboards keep reading them and the live projector keeps
 * projecting into them:
 *
 * 1. replays the whole log into a scratch schema beside the live tables (no reader sees it);
 * 2. in ONE transaction holding the swap lock (live batches take it shared, so the live projector pauses),
 *    catches the scratch copy up to the head, then makes each live table equal to its copy row for row —
 *    deleting rows whose key vanished, updating rows that differ, inserting new ones — with the foreign keys
 *    deferred and the model's own triggers disabled (their effects are already in the copy; guards would
 *    refuse the deletes), and moves the checkpoint and the fingerprint; skipped-event records stay;
 * 3. drops the scratch schema, after a failure too.
 *
 * The tables keep their identity (dependent views, grants, comments, a dashboard's indexes survive), readers
 * see the old rows or the new ones and never a mix (MVCC), and rows that did not change are not written.
 */
export async function rebuildReadModel(
  options: OperationOptions & { readonly onStage?: (stage: RebuildStage) => void | Promise<void> },
): Promise<RebuildReport> {
  const { client, model, store } = options;
  const log = options.log ?? (() => undefined);
  const stage = async (reached: RebuildStage) => options.onStage?.(reached);
  return withOperationsLock(client, model, async () => {
    const scratch = await createScratchSchema(client, model, 'rebuild');
    try {
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
      const { checkpoint, tables } = await db.transaction().execute(async (trx) => {
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
        for (const table of model.tables) {
          changed.push({ table: table.name, ...(await replaceRows(client, live.tables, scratch, table)) });
          await stage(`replaced:${table.name}`);
        }
        // The deferred foreign keys are checked now, not at commit: a table with pending checks cannot
        // have its triggers altered.
        await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(trx);
        await alterTriggers('ENABLE');
        const bookkeeping = { live: id(live.bookkeeping), scratch: id(scratch) };
        await client.query(
          `INSERT INTO ${bookkeeping.live}.projector_checkpoint (projection, position, events_applied, updated_at, fingerprint)
           SELECT projection, position, events_applied, now(), $2 FROM ${bookkeeping.scratch}.projector_checkpoint WHERE projection = $1
           ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, events_applied = EXCLUDED.events_applied,
             updated_at = EXCLUDED.updated_at, fingerprint = EXCLUDED.fingerprint`,
          [model.name, model.fingerprint],
        );
        // Unknown events the replay skipped by policy join the record; what operators skipped stays.
        await client.query(
          `INSERT INTO ${bookkeeping.live}.projector_skipped_events (position, stream_id, stream_revision, event_type, reason, skipped_at)
           SELECT s.position, s.stream_id, s.stream_revision, s.event_type, s.reason, s.skipped_at
             FROM ${bookkeeping.scratch}.projector_skipped_events s
            WHERE NOT EXISTS (SELECT 1 FROM ${bookkeeping.live}.projector_skipped_events l WHERE l.position = s.position)`,
        );
        const stored = await readCheckpoint(trx, model, live);
        return { checkpoint: stored?.position ?? null, tables: changed };
      });
      const swapMilliseconds = performance.now() - swapStarted;
      log(`${model.name}: rebuilt from ${events} events; live tables brought to the rebuilt rows`);
      return { events, checkpoint, tables, replayMilliseconds, swapMilliseconds };
    } finally {
      await dropSchema(client, scratch);
    }
  });
}

/**
 * Makes `live.table` equal to `scratch.table`, row for row, matching rows by primary key. Runs inside the
 * swap's transaction (on its connection).
 */
async function replaceRows(
  client: ClientBase,
  liveSchema: string,
  scratchSchema: string,
  table: AnyTable,
): Promise<{ deleted: number; updated: number; inserted: number }> {
  const live = `${id(liveSchema)}.${id(table.name)}`;
  const rebuilt = `${id(scratchSchema)}.${id(table.name)}`;
  const columns = Object.keys(table.columns);
  const others = columns.filter((column) => !table.primaryKey.includes(column));
  const sameKey = table.primaryKey.map((column) => `l.${id(column)} = s.${id(column)}`).join(' AND ');
  const list = columns.map(id).join(', ');
  const tuple = (alias: string) => `(${others.map((column) => `${alias}.${id(column)}`).join(', ')})`;
  const count = async (text: string) => (await client.query(text)).rowCount ?? 0;

  const deleted = await count(
    `DELETE FROM ${live} l WHERE NOT EXISTS (SELECT 1 FROM ${rebuilt} s WHERE ${sameKey})`,
  );
  let updated = 0;
  let replacedWhole = 0;
  if (others.length) {
    const differs = `${sameKey} AND ${tuple('l')} IS DISTINCT FROM ${tuple('s')}`;
    await client.query('SAVEPOINT replace_rows');
    try {
      updated = await count(
        `UPDATE ${live} l SET ${others.map((column) => `${id(column)} = s.${id(column)}`).join(', ')}
           FROM ${rebuilt} s WHERE ${differs}`,
      );
      await client.query('RELEASE SAVEPOINT replace_rows');
    } catch (error) {
      // Two rows trading a unique value (emails swapped) collide in one UPDATE, whose unique index checks
      // each row as it goes; deleting those rows and inserting them again (below) does not.
      if ((error as { code?: string }).code !== '23505') throw error;
      await client.query('ROLLBACK TO SAVEPOINT replace_rows');
      replacedWhole = await count(`DELETE FROM ${live} l USING ${rebuilt} s WHERE ${differs}`);
    }
  }
  const inserted = await count(
    `INSERT INTO ${live} (${list}) SELECT ${list} FROM ${rebuilt} s
      WHERE NOT EXISTS (SELECT 1 FROM ${live} l WHERE ${sameKey})`,
  );
  return { deleted, updated: updated + replacedWhole, inserted: inserted - replacedWhole };
}
