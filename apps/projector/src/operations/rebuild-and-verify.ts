import { Kysely, sql } from 'kysely';
import { EventStore, parsePosition } from '@certm3/event-store';
import { CERTM3_TABLES, Certm3ReadModel, LIVE_SCHEMA } from '../read-model/certm3-tables';
import { migrateReadModel } from '../read-model/migrations';
import { readCheckpoint, SCHEMA_SWAP_LOCK, UnknownEventPolicy } from '../runner/apply-events';
import { withReadModelClient } from '../runner/projection-runner';
import { replayInto } from './replay';

export interface OperationOptions {
  readonly databaseUrl: string;
  readonly store: EventStore;
  readonly unknownEventPolicy?: UnknownEventPolicy;
  readonly log?: (message: string) => void;
}

/**
 * Replays the whole log into fresh tables beside the live ones, then swaps them in with one transaction
 * (schema renames), so dashboards see either the old tables or the complete new ones, never half-built
 * ones. The live projector keeps running: during the swap it waits on the swap lock, and afterwards carries
 * on from the new tables' checkpoint.
 */
export async function rebuild(
  options: OperationOptions,
): Promise<{ events: number; checkpoint: string | null }> {
  const log = options.log ?? (() => undefined);
  const suffix = `${Date.now()}`;
  const next = `certm3_rebuild_${suffix}`;
  return withReadModelClient(options.databaseUrl, async (db) => {
    await migrateReadModel(db as Kysely<unknown>, next);
    log(`replaying the log into ${next}`);
    const policy = options.unknownEventPolicy;
    let events = await replayInto(options.store, db, next, {
      unknownEventPolicy: policy,
      skip: await skippedInLive(db),
    });
    log(`caught up with ${events} events; swapping`);
    const checkpoint = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${SCHEMA_SWAP_LOCK.toString()}::bigint)`.execute(trx);
      const skip = await skippedInLive(trx);
      events += await replayInto(options.store, trx, next, {
        unknownEventPolicy: policy,
        inTransaction: true,
        skip,
      });
      // What operators skipped stays on record, and stays skipped.
      await sql`INSERT INTO ${sql.id(next)}.projector_skipped_events (position, stream_id, stream_revision, event_type, reason, skipped_at)
                SELECT position, stream_id, stream_revision, event_type, reason, skipped_at
                FROM ${sql.id(LIVE_SCHEMA)}.projector_skipped_events`.execute(trx);
      await sql`ALTER SCHEMA ${sql.id(LIVE_SCHEMA)} RENAME TO ${sql.id(`certm3_replaced_${suffix}`)}`.execute(
        trx,
      );
      await sql`ALTER SCHEMA ${sql.id(next)} RENAME TO ${sql.id(LIVE_SCHEMA)}`.execute(trx);
      return readCheckpoint(trx, LIVE_SCHEMA);
    });
    await sql`DROP SCHEMA ${sql.id(`certm3_replaced_${suffix}`)} CASCADE`.execute(db);
    log(`rebuilt from ${events} events; live tables replaced`);
    return { events, checkpoint };
  });
}

/** Positions of the events the live projection skipped: a rebuild or a verification leaves them out too. */
async function skippedInLive(db: Kysely<Certm3ReadModel>): Promise<Set<string>> {
  const rows = await db
    .withSchema(LIVE_SCHEMA)
    .selectFrom('projector_skipped_events')
    .select('position')
    .execute();
  return new Set(rows.map((row) => row.position));
}

export interface TableDifference {
  readonly table: string;
  readonly onlyInLive: number;
  readonly onlyInRebuilt: number;
  readonly samples: readonly { side: 'live' | 'rebuilt'; row: Record<string, unknown> }[];
}

export interface VerifyReport {
  readonly checkpoint: string | null;
  readonly tables: readonly { table: string; rows: number }[];
  readonly differences: readonly TableDifference[];
}

/**
 * Rebuilds into a scratch schema up to exactly the live checkpoint and compares every table row for row
 * with the live one. The live projector pauses only for the last stretch of catching up and the comparison.
 */
export async function verify(options: OperationOptions): Promise<VerifyReport> {
  const scratch = `certm3_verify_${Date.now()}`;
  return withReadModelClient(options.databaseUrl, async (db) => {
    try {
      await migrateReadModel(db as Kysely<unknown>, scratch);
      // Events the live projection skipped (by an operator, or by policy) are left out of the scratch copy too.
      const skip = await skippedInLive(db);
      const early = await readCheckpoint(db, LIVE_SCHEMA);
      if (early) {
        await replayInto(options.store, db, scratch, {
          until: parsePosition(early),
          unknownEventPolicy: 'skip',
          skip,
        });
      }
      return await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${SCHEMA_SWAP_LOCK.toString()}::bigint)`.execute(trx);
        const checkpoint = await readCheckpoint(trx, LIVE_SCHEMA);
        if (checkpoint) {
          await replayInto(options.store, trx, scratch, {
            until: parsePosition(checkpoint),
            unknownEventPolicy: 'skip',
            inTransaction: true,
            skip,
          });
        }
        const tables = [];
        const differences: TableDifference[] = [];
        for (const table of CERTM3_TABLES) {
          const live = sql`${sql.id(LIVE_SCHEMA)}.${sql.id(table)}`;
          const rebuilt = sql`${sql.id(scratch)}.${sql.id(table)}`;
          const onlyLive = await sql<
            Record<string, unknown>
          >`SELECT * FROM ${live} EXCEPT ALL SELECT * FROM ${rebuilt}`.execute(trx);
          const onlyRebuilt = await sql<
            Record<string, unknown>
          >`SELECT * FROM ${rebuilt} EXCEPT ALL SELECT * FROM ${live}`.execute(trx);
          const count = await sql<{ rows: string }>`SELECT count(*)::text AS rows FROM ${live}`.execute(trx);
          tables.push({ table, rows: Number(count.rows[0].rows) });
          if (onlyLive.rows.length || onlyRebuilt.rows.length) {
            differences.push({
              table,
              onlyInLive: onlyLive.rows.length,
              onlyInRebuilt: onlyRebuilt.rows.length,
              samples: [
                ...onlyLive.rows.slice(0, 5).map((row) => ({ side: 'live' as const, row })),
                ...onlyRebuilt.rows.slice(0, 5).map((row) => ({ side: 'rebuilt' as const, row })),
              ],
            });
          }
        }
        return { checkpoint, tables, differences };
      });
    } finally {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(scratch)} CASCADE`.execute(db);
    }
  });
}
