import { sql } from 'kysely';
import { escapeIdentifier as id } from 'pg';
import { parsePosition } from '@certm3/event-store';
import { readCheckpoint } from '../batch/apply-batch';
import { lockKey, scratchLayout } from '../model/define-read-model';
import { kyselyOnClient } from '../runner/single-connection';
import { OperationOptions } from './rebuild';
import { replayInto, skippedPositions } from './replay';
import { withOperationsLock, withScratchSchema } from './scratch-schema';

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

/** How many differing rows of each side a report shows. */
const SAMPLES = 5;

/**
 * Rebuilds into a scratch schema up to exactly the live checkpoint and compares every table row for row
 * with the live one. The live projector pauses for the last stretch of catching up and the comparison,
 * which run under the swap lock. Events an operator skipped are left out of the copy too; events the
 * unknown-event policy skipped are judged again by the running definition, so the tables differ where a
 * release that knows their type would have applied them. Differing rows are counted in the database and at
 * most five of each side are read, a table's redactedInReports columns only as digests.
 */
export async function verifyReadModel(options: OperationOptions): Promise<VerifyReport> {
  const { client, model, store } = options;
  return withOperationsLock(client, model, () =>
    withScratchSchema(client, model, 'verify', async (scratch) => {
      const db = kyselyOnClient<unknown>(client);
      const layout = scratchLayout(scratch);
      const replay = { unknownEventPolicy: 'skip' as const, observer: options.observer };
      const skip = await skippedPositions(db, model);
      const early = (await readCheckpoint(db, model, model.liveLayout))?.position;
      if (early) await replayInto(store, db, model, layout, { ...replay, until: parsePosition(early), skip });
      return db.transaction().execute(async (trx) => {
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
          const onlyIn = (side: string, other: string) =>
            `SELECT ${columns} FROM ${side} EXCEPT ALL SELECT ${columns} FROM ${other}`;
          const counted = await client.query<{ rows: string; only_live: string; only_rebuilt: string }>(
            `SELECT (SELECT count(*) FROM ${live})::text AS rows,
                    (SELECT count(*) FROM (${onlyIn(live, rebuilt)}) d)::text AS only_live,
                    (SELECT count(*) FROM (${onlyIn(rebuilt, live)}) d)::text AS only_rebuilt`,
          );
          const { rows, only_live: onlyInLive, only_rebuilt: onlyInRebuilt } = counted.rows[0];
          tables.push({ table: table.name, rows: Number(rows) });
          if (onlyInLive === '0' && onlyInRebuilt === '0') continue;
          const shown = Object.keys(table.columns)
            .map((column) =>
              table.redactedInReports.includes(column)
                ? `'sha256:' || encode(sha256(convert_to(d.${id(column)}::text, 'UTF8')), 'hex') AS ${id(column)}`
                : `d.${id(column)}`,
            )
            .join(', ');
          // Redacted columns are digested in the database: their values never reach this process.
          const sample = async (side: string, other: string) =>
            (await client.query(`SELECT ${shown} FROM (${onlyIn(side, other)} LIMIT ${SAMPLES}) d`)).rows;
          differences.push({
            table: table.name,
            onlyInLive: Number(onlyInLive),
            onlyInRebuilt: Number(onlyInRebuilt),
            samples: [
              ...(await sample(live, rebuilt)).map((row) => ({ side: 'live' as const, row })),
              ...(await sample(rebuilt, live)).map((row) => ({ side: 'rebuilt' as const, row })),
            ],
          });
        }
        return { checkpoint, tables, differences };
      });
    }),
  );
}
