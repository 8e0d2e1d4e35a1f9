import { randomBytes } from 'node:crypto';
import { ClientBase, escapeIdentifier } from 'pg';
import { withAdvisoryLock } from '@certm3/pg-support';
import { BOOKKEEPING_TABLES } from '../bookkeeping/bookkeeping';
import { lockKey, ReadModel } from '../model/define-read-model';
import { createTableSql, fullDdl } from '../schema/ddl';

export type ScratchPurpose = 'rebuild' | 'verify';

const prefix = (model: ReadModel, purpose: ScratchPurpose) => `${model.name}_${purpose}_`;

/**
 * A schema beside the live tables holding a copy of them (same tables, keys, indexes and triggers, no
 * views) and bookkeeping of its own. Created by the projector's role and granted to no one, so no reader
 * sees it.
 */
export async function createScratchSchema(
  client: ClientBase,
  model: ReadModel,
  purpose: ScratchPurpose,
): Promise<string> {
  const schema = `${prefix(model, purpose)}${Date.now()}_${randomBytes(3).toString('hex')}`;
  await createModelCopy(client, model, schema);
  return schema;
}

/** The model's tables and bookkeeping, together in one new schema (a scratch copy's layout). */
export async function createModelCopy(client: ClientBase, model: ReadModel, schema: string): Promise<void> {
  const statements = [
    ...fullDdl({ ...model.tableContents, views: [] }, schema),
    ...BOOKKEEPING_TABLES.map((table) => createTableSql(table, schema)),
  ];
  await client.query('BEGIN');
  try {
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

export async function dropSchema(client: ClientBase, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
}

/**
 * Runs a rebuild or a verification of the model, one at a time (they compete for the swap lock anyway),
 * after dropping what an earlier one left behind when its process died: holding the lock proves that
 * no other operation of this model is still using its scratch schema.
 */
export async function withOperationsLock<T>(
  client: ClientBase,
  model: ReadModel,
  work: () => Promise<T>,
): Promise<T> {
  return withAdvisoryLock(client, lockKey(model.name, 'operations'), async () => {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR starts_with(nspname, $2)`,
      [prefix(model, 'rebuild'), prefix(model, 'verify')],
    );
    for (const { nspname } of rows) await dropSchema(client, nspname);
    return work();
  });
}
