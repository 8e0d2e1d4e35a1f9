import { errorMessage } from '@certm3/common';
import { randomBytes } from 'node:crypto';
import { ClientBase, escapeIdentifier } from 'pg';
import { AnyColumn } from '../tables/column';
import { functionBody } from '../tables/define-function';
import { cleanUpAfter, cleanupErrorsOf, runStatementsInTransaction } from '../support/session';
import { CatalogSnapshot, readCatalog, readCatalogInTransaction } from './catalog';
import {
  addColumnSql,
  createFunctionSql,
  createIndexSql,
  createSchemaSql,
  createTableSql,
  createTriggerSql,
  createViewSql,
  foreignKeySql,
  fullDdl,
  SchemaContents,
  searchPathSql,
} from './ddl';

/** The definition and the database differ in a way sync cannot change by creating what is missing. */
export class SchemaMismatchError extends Error {
  constructor(
    readonly model: string,
    readonly differences: readonly string[],
  ) {
    super(
      `read model "${model}": its database differs from its definition in ways schema sync does not change ` +
        `(it only creates what is missing); a migration is needed (the model's migrations list, see ` +
        `docs/adding-a-table.md). Differences:\n  - ${differences.join('\n  - ')}`,
    );
    this.name = 'SchemaMismatchError';
  }
}

const namesOf = (contents: SchemaContents) => ({
  tables: contents.tables.map((table) => table.name),
  views: contents.views.map((view) => view.name),
  functions: contents.functions.map((definition) => definition.name),
});

/**
 * The catalog as the definition would make it: built in a scratch schema inside a transaction that is
 * rolled back, then read with the same code as the real one. PostgreSQL itself normalises types, CHECK and
 * WHERE expressions and view text, so comparing needs no SQL parser of ours.
 */
export async function expectedCatalog(
  client: ClientBase,
  contents: SchemaContents,
): Promise<CatalogSnapshot> {
  const reference = `projection_reference_${randomBytes(6).toString('hex')}`;
  await client.query('BEGIN');
  return cleanUpAfter(
    async () => {
      for (const statement of fullDdl(contents, reference)) await client.query(statement);
      return readCatalogInTransaction(client, reference, namesOf(contents));
    },
    () => client.query('ROLLBACK'),
  );
}

/** The statements that create what `actual` lacks of the definition (nothing that exists is changed). */
export function planSync(
  contents: SchemaContents,
  schema: string,
  expected: CatalogSnapshot,
  actual: CatalogSnapshot,
): string[] {
  const statements: string[] = [];
  if (!actual.schemaExists) statements.push(createSchemaSql(schema));
  for (const definition of contents.functions) {
    const found = actual.functions[definition.name];
    const wanted = expected.functions[definition.name];
    const same =
      found &&
      found.body === functionBody(definition, schema) &&
      (['arguments', 'returns', 'language', 'volatility'] as const).every(
        (key) => found[key] === wanted[key],
      );
    if (!same) statements.push(createFunctionSql(definition, schema));
  }
  const created = contents.tables.filter((table) => !actual.tables[table.name]);
  for (const table of created) statements.push(createTableSql(table, schema));
  for (const table of contents.tables) {
    const found = actual.tables[table.name];
    if (!found) continue;
    for (const [name, column] of Object.entries(table.columns as Record<string, AnyColumn>)) {
      // A column that can start out empty (or with its default) on rows that exist: the rebuild that the
      // changed fingerprint starts fills it in.
      const addable =
        !column.spec.notNull || column.spec.defaultSql !== undefined || column.spec.type === 'serial';
      if (!found.columns[name] && addable) statements.push(addColumnSql(table, name, schema));
    }
  }
  for (const table of created)
    for (const foreignKey of table.foreignKeys) statements.push(foreignKeySql(table, foreignKey, schema));
  for (const table of contents.tables) {
    const found = actual.tables[table.name];
    for (const index of table.indexes)
      if (!found?.indexes[index.name]) statements.push(createIndexSql(table, index, schema));
    for (const trigger of table.triggers) {
      const existing = found?.triggers[trigger.name];
      if (existing?.definition !== expected.tables[table.name].triggers[trigger.name].definition)
        statements.push(createTriggerSql(table, trigger, schema));
    }
  }
  const views = contents.views.filter(
    (view) => actual.views[view.name]?.definition !== expected.views[view.name].definition,
  );
  if (views.length)
    statements.push(searchPathSql(schema), ...views.map((view) => createViewSql(view, schema)));
  return statements;
}

/** Every way `actual` differs from `expected`, for an operator to read. Empty when they agree. */
export function compareCatalogs(
  contents: SchemaContents,
  schema: string,
  expected: CatalogSnapshot,
  actual: CatalogSnapshot,
): string[] {
  const differences: string[] = [];
  if (!actual.schemaExists) return [`schema ${schema} is missing`];
  const where = (name: string) => `${schema}.${name}`;
  for (const table of contents.tables) {
    const wanted = expected.tables[table.name];
    const found = actual.tables[table.name];
    const name = where(table.name);
    if (!found) {
      differences.push(`table ${name} is missing`);
      continue;
    }
    for (const [column, spec] of Object.entries(wanted.columns)) {
      const has = found.columns[column];
      if (!has) differences.push(`column ${name}.${column} is missing`);
      else {
        if (has.type !== spec.type)
          differences.push(`column ${name}.${column} is ${has.type}; the definition says ${spec.type}`);
        if (has.notNull !== spec.notNull)
          differences.push(
            `column ${name}.${column} is ${has.notNull ? 'NOT NULL' : 'nullable'}; the definition says ${spec.notNull ? 'NOT NULL' : 'nullable'}`,
          );
        if (has.default !== spec.default)
          differences.push(
            `column ${name}.${column} defaults to ${has.default ?? 'nothing'}; the definition says ${spec.default ?? 'nothing'}`,
          );
      }
    }
    for (const column of Object.keys(found.columns))
      if (!wanted.columns[column]) differences.push(`column ${name}.${column} is not in the definition`);
    compareNamed(
      differences,
      `constraint`,
      name,
      wanted.constraints,
      found.constraints,
      (definition) => definition,
    );
    for (const [index, spec] of Object.entries(wanted.indexes)) {
      const has = found.indexes[index];
      if (!has) differences.push(`index ${index} on ${name} is missing`);
      else if (has.definition !== spec.definition)
        differences.push(`index ${index} is "${has.definition}"; the definition says "${spec.definition}"`);
    }
    // Dashboards may add indexes of their own for their queries; a unique one could refuse the
    // projection's rows, so only those count.
    for (const [index, has] of Object.entries(found.indexes))
      if (!wanted.indexes[index] && has.unique)
        differences.push(`unique index ${index} on ${name} is not in the definition`);
    compareNamed(
      differences,
      'trigger',
      name,
      wanted.triggers,
      found.triggers,
      (trigger) => trigger.definition,
    );
    for (const [trigger, has] of Object.entries(found.triggers))
      if (wanted.triggers[trigger] && !has.enabled)
        differences.push(`trigger ${trigger} on ${name} is disabled`);
  }
  for (const view of contents.views) {
    const has = actual.views[view.name];
    if (!has) differences.push(`view ${where(view.name)} is missing`);
    else if (has.definition !== expected.views[view.name].definition)
      differences.push(`view ${where(view.name)} is defined otherwise: ${has.definition.trim()}`);
  }
  for (const definition of contents.functions) {
    const has = actual.functions[definition.name];
    const wanted = expected.functions[definition.name];
    if (!has) differences.push(`function ${where(definition.name)}(${wanted.arguments}) is missing`);
    else
      for (const key of ['arguments', 'returns', 'language', 'volatility'] as const)
        if (has[key] !== wanted[key])
          differences.push(
            `function ${where(definition.name)}: ${key} ${has[key]}; the definition says ${wanted[key]}`,
          );
  }
  return differences;
}

function compareNamed<T>(
  differences: string[],
  kind: string,
  table: string,
  wanted: Readonly<Record<string, T>>,
  found: Readonly<Record<string, T>>,
  text: (value: T) => string,
) {
  for (const [name, spec] of Object.entries(wanted)) {
    const has = found[name];
    if (has === undefined) differences.push(`${kind} ${name} on ${table} is missing`);
    else if (text(has) !== text(spec))
      differences.push(`${kind} ${name} on ${table} is "${text(has)}"; the definition says "${text(spec)}"`);
  }
  for (const [name, has] of Object.entries(found))
    if (wanted[name] === undefined)
      differences.push(`${kind} ${name} on ${table} is not in the definition: "${text(has)}"`);
}

/**
 * Brings `schema` to `contents` by creating what is missing, then compares the catalog with the definition
 * and returns what still differs (what only a migration can change). Idempotent; a schema that already
 * matches is only read. The caller holds the schema lock.
 */
export async function syncSchema(
  client: ClientBase,
  contents: SchemaContents,
  schema: string,
): Promise<string[]> {
  const expected = await expectedCatalog(client, contents);
  let actual = await readCatalog(client, schema, namesOf(contents));
  const statements = planSync(contents, schema, expected, actual);
  let failure: string | undefined;
  if (statements.length) {
    try {
      await runStatementsInTransaction(client, statements);
    } catch (error) {
      // Not even the ROLLBACK went through (the connection is gone): nothing more can be read; say why.
      if (cleanupErrorsOf(error).length) throw error;
      // A view whose columns changed, say: CREATE OR REPLACE cannot do it. Report it with the rest.
      failure = `creating what is missing failed: ${errorMessage(error)}`;
    }
    actual = await readCatalog(client, schema, namesOf(contents));
  }
  const differences = compareCatalogs(contents, schema, expected, actual);
  return failure ? [failure, ...differences] : differences;
}

/** A table or view the reader may select; a table with `hidden` columns only its other `columns`. */
export interface ReaderRelation {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly hidden?: readonly string[];
}

/**
 * The role dashboards read as: SELECT on the model's tables and views and nothing else. A relation with
 * hidden columns gets column-level SELECT on its other columns only; where the role holds the table-level
 * SELECT (a database of an earlier release, or a column newly hidden) that is revoked first, and so is a
 * column-level grant on a hidden column: the database is upgraded in place. Only what is missing changes.
 */
export async function grantReader(
  client: ClientBase,
  role: string,
  objects: readonly { schema: string; names: readonly (string | ReaderRelation)[] }[],
): Promise<void> {
  const reader = escapeIdentifier(role);
  await client.query(`
    DO $$ BEGIN
      CREATE ROLE ${reader} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  const granted = async (check: string, args: unknown[]) =>
    (await client.query<{ granted: boolean }>(`SELECT ${check} AS granted`, args)).rows[0].granted;
  for (const { schema, names } of objects) {
    if (!(await granted('has_schema_privilege($1, $2, $3)', [role, schema, 'USAGE'])))
      await client.query(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${reader}`);
    for (const entry of names) {
      const relation: ReaderRelation = typeof entry === 'string' ? { name: entry } : entry;
      const qualified = `${escapeIdentifier(schema)}.${escapeIdentifier(relation.name)}`;
      const tableLevel = await granted('has_table_privilege($1, $2, $3)', [role, qualified, 'SELECT']);
      const hidden = relation.hidden ?? [];
      if (hidden.length === 0) {
        if (!tableLevel) await client.query(`GRANT SELECT ON ${qualified} TO ${reader}`);
        continue;
      }
      if (tableLevel) await client.query(`REVOKE SELECT ON ${qualified} FROM ${reader}`);
      const columnGranted = (column: string) =>
        granted('has_column_privilege($1, $2, $3, $4)', [role, qualified, column, 'SELECT']);
      for (const column of hidden)
        if (await columnGranted(column))
          await client.query(`REVOKE SELECT (${escapeIdentifier(column)}) ON ${qualified} FROM ${reader}`);
      const missing = [];
      for (const column of (relation.columns ?? []).filter((name) => !hidden.includes(name)))
        if (!(await columnGranted(column))) missing.push(escapeIdentifier(column));
      if (missing.length)
        await client.query(`GRANT SELECT (${missing.join(', ')}) ON ${qualified} TO ${reader}`);
    }
  }
}

/**
 * A database only the projector's role and the reader may use: PUBLIC loses CONNECT and TEMPORARY on it and
 * CREATE on schema public, the reader gets CONNECT. Only what is missing changes.
 */
export async function restrictDatabase(client: ClientBase, role: string): Promise<void> {
  const { rows } = await client.query<{
    database: string;
    connect: boolean;
    temporary: boolean;
    create: boolean;
    reader: boolean;
  }>(
    `SELECT current_database() AS database,
            has_database_privilege('public', current_database(), 'CONNECT') AS connect,
            has_database_privilege('public', current_database(), 'TEMPORARY') AS temporary,
            has_schema_privilege('public', 'public', 'CREATE') AS create,
            has_database_privilege($1, current_database(), 'CONNECT') AS reader`,
    [role],
  );
  const found = rows[0];
  const database = escapeIdentifier(found.database);
  if (found.connect || found.temporary)
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
  if (found.create) await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  // Asked before PUBLIC lost CONNECT: the reader may have had it only through PUBLIC.
  if (!found.reader || found.connect)
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${escapeIdentifier(role)}`);
}
