import { randomBytes } from 'node:crypto';
import { ClientBase, escapeIdentifier } from 'pg';
import { BOOKKEEPING_TABLES } from '../bookkeeping/bookkeeping';
import { lockKey, ReadModel } from '../model/define-read-model';
import { createTableSql, fullDdl } from '../schema/ddl';
import { cleanUpAfter, runStatementsInTransaction, withSessionLock } from '../support/session';

export type ScratchPurpose = 'rebuild' | 'verify';

/**
 * `<model>__rebuild_` or `<model>__verify_`. A model's name never holds two underscores in a row (see
 * defineReadModel), so the first `__` of a scratch schema's name ends its model's name: one model's prefix
 * matches neither another model's scratch schemas nor any model's bookkeeping schema in a shared database.
 */
export const scratchPrefix = (model: ReadModel, purpose: ScratchPurpose) => `${model.name}__${purpose}_`;

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
  const schema = `${scratchPrefix(model, purpose)}${Date.now()}_${randomBytes(3).toString('hex')}`;
  await createModelCopy(client, model, schema);
  return schema;
}

/** The model's tables and bookkeeping, together in one new schema (a scratch copy's layout). */
export async function createModelCopy(client: ClientBase, model: ReadModel, schema: string): Promise<void> {
  const statements = [
    ...fullDdl({ ...model.tableContents, views: [] }, schema),
    ...BOOKKEEPING_TABLES.map((table) => createTableSql(table, schema)),
  ];
  await runStatementsInTransaction(client, statements);
}

export async function dropSchema(client: ClientBase, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
}

/**
 * Runs `work` with a scratch schema of the model, dropped afterwards. When the connection died, the drop
 * fails too; the error of `work` is the one thrown (the next operation drops what is left).
 */
export async function withScratchSchema<T>(
  client: ClientBase,
  model: ReadModel,
  purpose: ScratchPurpose,
  work: (schema: string) => Promise<T>,
): Promise<T> {
  const schema = await createScratchSchema(client, model, purpose);
  return cleanUpAfter(
    () => work(schema),
    () => dropSchema(client, schema),
  );
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
  return withSessionLock(client, lockKey(model.name, 'operations'), async () => {
    // Also the names of releases before the `__` (`<model>_rebuild_<ms>_<hex>`), matched whole: no model's
    // name is that long, and another model's scratch schema has its own name in front.
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) OR starts_with(nspname, $2) OR nspname ~ $3`,
      [
        scratchPrefix(model, 'rebuild'),
        scratchPrefix(model, 'verify'),
        `^${model.name}_(rebuild|verify)_[0-9]{13}_[0-9a-f]{6}$`,
      ],
    );
    for (const { nspname } of rows) await dropSchema(client, nspname);
    return work();
  });
}
