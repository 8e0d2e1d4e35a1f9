import { sql } from 'kysely';
import { escapeIdentifier as id } from 'pg';
import { parsePosition } from '@certm3/event-store';
import { readCheckpoint } from '../batch/apply-batch';
import { lockKey, scratchLayout } from '../model/define-read-model';
import { kyselyOnClient } from '../runner/single-connection';
import { OperationOptions } from './rebuild';
import { replayInto, skippedPositions } from './replay';
import { createScratchSchema, dropSchema, withOperationsLock } from './scratch-schema';

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
 * Events the live projection skipped (by an operator, or by policy) are left out of the copy too.
 */
export async function verifyReadModel(options: OperationOptions): Promise<VerifyReport> {
  const { client, model, store } = options;
  return withOperationsLock(client, model, async () => {
    const scratch = await createScratchSchema(client, model, 'verify');
    try {
      const db = kyselyOnClient<unknown>(client);
      const layout = scratchLayout(scratch);
      const replay = { unknownEventPolicy: 'skip' as const, observer: options.observer };
      const skip = await skippedPositions(db, model);
      const early = (await readCheckpoint(db, model, model.liveLayout))?.position;
      if (early) await replayInto(store, db, model, layout, { ...replay, until: parsePosition(early), skip });
      return await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${lockKey(model.name, 'swap').toString()}::bigint)`.execute(
          trx,
        );
        const checkpoint = (await readCheckpoint(trx, model, model.liveLayout))?.position ?? null;
        if (checkpoint)
          await replayInto(store, trx, model, layout, {
            ...replay,
            until: parsePosition(checkpoint),
            inTransaction: true,
            skip: await skippedPositions(trx, model),
          });
        const tables = [];
        const differences: TableDifference[] = [];
        for (const table of model.tables) {
          const columns = Object.keys(table.columns).map(id).join(', ');
          const live = `${id(model.liveLayout.tables)}.${id(table.name)}`;
          const rebuilt = `${id(scratch)}.${id(table.name)}`;
          const onlyLive = await client.query(
            `SELECT ${columns} FROM ${live} EXCEPT ALL SELECT ${columns} FROM ${rebuilt}`,
          );
          const onlyRebuilt = await client.query(
            `SELECT ${columns} FROM ${rebuilt} EXCEPT ALL SELECT ${columns} FROM ${live}`,
          );
          const count = await client.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM ${live}`);
          tables.push({ table: table.name, rows: Number(count.rows[0].rows) });
          if (onlyLive.rows.length || onlyRebuilt.rows.length)
            differences.push({
              table: table.name,
              onlyInLive: onlyLive.rows.length,
              onlyInRebuilt: onlyRebuilt.rows.length,
              samples: [
                ...onlyLive.rows.slice(0, 5).map((row) => ({ side: 'live' as const, row })),
                ...onlyRebuilt.rows.slice(0, 5).map((row) => ({ side: 'rebuilt' as const, row })),
              ],
            });
        }
        return { checkpoint, tables, differences };
      });
    } finally {
      await dropSchema(client, scratch);
    }
  });
}
