import { errorMessage } from '@certm3/common';
import { ClientBase, escapeIdentifier } from 'pg';
import { inTransaction } from '../support/session';

/**
 * A change schema sync cannot make (a column's type, a moved table, a constraint made deferrable). A model's
 * migrations are an append-only list: each runs once per database, in its own transaction with its record,
 * before sync. It runs on a fresh database too (sync has not created anything yet), so it must do nothing
 * where there is nothing to change.
 */
export interface ReadModelMigration {
  /** Unique and never renamed: it is what the database records. */
  readonly name: string;
  up(client: ClientBase, layout: { readonly tables: string; readonly bookkeeping: string }): Promise<void>;
}

export const MIGRATIONS_TABLE = 'projector_migrations';

/** Runs the migrations `database` has not recorded yet. The caller holds the schema lock. */
export async function runMigrations(
  client: ClientBase,
  migrations: readonly ReadModelMigration[],
  layout: { readonly tables: string; readonly bookkeeping: string },
  log: (message: string) => void = () => undefined,
): Promise<string[]> {
  const record = `${escapeIdentifier(layout.bookkeeping)}.${MIGRATIONS_TABLE}`;
  // The same shape as the bookkeeping definition's, which sync then finds in place.
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(layout.bookkeeping)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${record} (
    name text NOT NULL,
    applied_at timestamptz NOT NULL,
    CONSTRAINT ${MIGRATIONS_TABLE}_pkey PRIMARY KEY (name)
  )`);
  const { rows } = await client.query<{ name: string }>(
    `SELECT name FROM ${record} ORDER BY applied_at, name`,
  );
  const applied = new Set(rows.map((row) => row.name));
  const known = new Set(migrations.map((migration) => migration.name));
  const strangers = rows.map((row) => row.name).filter((name) => !known.has(name));
  if (strangers.length)
    throw new Error(
      `the database records migrations this release does not have (${strangers.join(', ')}): a newer release migrated it`,
    );
  const ran: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    try {
      await inTransaction(client, async () => {
        await migration.up(client, layout);
        await client.query(`INSERT INTO ${record} (name, applied_at) VALUES ($1, now())`, [migration.name]);
      });
    } catch (error) {
      // A ROLLBACK that failed too (a dead connection) is attached to the cause, not put in its place.
      throw new Error(`migration ${migration.name} failed: ${errorMessage(error)}`, { cause: error });
    }
    log(`migration ${migration.name} applied`);
    ran.push(migration.name);
  }
  return ran;
}
