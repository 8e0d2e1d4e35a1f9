import { ClientBase, escapeIdentifier as id } from 'pg';
import { ReadModelMigration } from '@certm3/projection';

/** The previous release's layout: everything in schema certm3. */
const PREVIOUS_SCHEMA = 'certm3';
const PREVIOUS_TABLES = ['users', 'groups', 'user_groups', 'certificates'];
const PREVIOUS_FUNCTIONS = ['refuse_delete', 'refuse_leaving_users_group'];
/** The previous release's projector holds this session lock while it writes those tables. */
const PREVIOUS_WRITER_LOCK = 0x63657274_6d330003n;

/**
 * From the previous release's layout (tables, their trigger functions and kysely's migration record in
 * schema certm3) to this one's: tables and functions in the tables schema (public), bookkeeping left in
 * certm3, which becomes the bookkeeping schema. Tables move with ALTER … SET SCHEMA, so every row, index,
 * constraint, trigger, grant and dependent view moves with them; the checkpoint and the skipped-event
 * records stay where they are. Foreign keys become DEFERRABLE INITIALLY IMMEDIATE, as rebuilds need. A
 * fresh database has nothing to move.
 */
export const tablesToPublicSchema: ReadModelMigration = {
  name: '0001_tables_to_public_schema',
  async up(client: ClientBase, layout) {
    const { rowCount } = await client.query(
      `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)`,
      [PREVIOUS_SCHEMA, PREVIOUS_TABLES],
    );
    if (!rowCount) return;
    const { rows } = await client.query('SELECT pg_try_advisory_xact_lock($1) AS free', [
      PREVIOUS_WRITER_LOCK.toString(),
    ]);
    if (!rows[0].free)
      throw new Error(
        'a projector of the previous release is still running (it holds its writer lock); stop it first',
      );
    for (const table of PREVIOUS_TABLES) {
      const clash = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [
        layout.tables,
        table,
      ]);
      if (clash.rowCount)
        throw new Error(
          `both ${PREVIOUS_SCHEMA}.${table} and ${layout.tables}.${table} exist; move the rows by hand`,
        );
      await client.query(`ALTER TABLE ${id(PREVIOUS_SCHEMA)}.${id(table)} SET SCHEMA ${id(layout.tables)}`);
    }
    for (const name of PREVIOUS_FUNCTIONS)
      await client.query(
        `ALTER FUNCTION ${id(PREVIOUS_SCHEMA)}.${id(name)}() SET SCHEMA ${id(layout.tables)}`,
      );
    const foreignKeys = await client.query<{ table: string; name: string }>(
      `SELECT c.relname AS table, k.conname AS name
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype = 'f' AND NOT k.condeferrable AND n.nspname = $1 AND c.relname = ANY($2)`,
      [layout.tables, PREVIOUS_TABLES],
    );
    for (const { table, name } of foreignKeys.rows)
      await client.query(
        `ALTER TABLE ${id(layout.tables)}.${id(table)} ALTER CONSTRAINT ${id(name)} DEFERRABLE INITIALLY IMMEDIATE`,
      );
    // The record of migrations that no longer exist; the bookkeeping schema keeps its own from now on.
    await client.query(
      `DROP TABLE IF EXISTS ${id(PREVIOUS_SCHEMA)}.kysely_migration, ${id(PREVIOUS_SCHEMA)}.kysely_migration_lock`,
    );
  },
};
