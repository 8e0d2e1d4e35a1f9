import { ClientBase } from 'pg';

/**
 * What the catalog says about the objects of one schema, in PostgreSQL's own normalised spelling and
 * without the schema's name, so two schemas built from one definition read the same.
 */
export interface CatalogSnapshot {
  readonly schemaExists: boolean;
  readonly tables: Readonly<Record<string, TableSnapshot>>;
  readonly views: Readonly<Record<string, { readonly definition: string }>>;
  /** By name (the model's functions take no overloads). */
  readonly functions: Readonly<Record<string, FunctionSnapshot>>;
}

export interface TableSnapshot {
  readonly columns: Readonly<Record<string, { type: string; notNull: boolean; default: string | null }>>;
  /** Constraint name → its definition (`PRIMARY KEY (id)`, `FOREIGN KEY (…) REFERENCES users(id) DEFERRABLE`). */
  readonly constraints: Readonly<Record<string, string>>;
  /** Indexes that are not a constraint's: name → definition without the table's schema. */
  readonly indexes: Readonly<Record<string, { definition: string; unique: boolean }>>;
  /** Name → definition, and whether it fires (`O`rigin, `D`isabled, …: pg_trigger.tgenabled). */
  readonly triggers: Readonly<Record<string, { definition: string; enabled: boolean }>>;
}

export interface FunctionSnapshot {
  readonly arguments: string;
  readonly returns: string;
  readonly language: string;
  readonly volatility: string;
  readonly body: string;
}

/**
 * Reads what `schema` holds, for the tables, views and functions named (others in the schema, a
 * dashboard's own tables say, are none of the model's business).
 */
export async function readCatalog(
  client: ClientBase,
  schema: string,
  names: { tables: readonly string[]; views: readonly string[]; functions: readonly string[] },
): Promise<CatalogSnapshot> {
  await client.query('BEGIN READ ONLY');
  try {
    // With the schema first on the search path, pg_get_*def leave its name out where they can.
    await client.query(`SELECT set_config('search_path', quote_ident($1), true)`, [schema]);
    const snapshot = await read(client, schema, names);
    await client.query('COMMIT');
    return snapshot;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** As readCatalog, inside the caller's transaction (whose search_path it changes for the transaction). */
export async function readCatalogInTransaction(
  client: ClientBase,
  schema: string,
  names: { tables: readonly string[]; views: readonly string[]; functions: readonly string[] },
): Promise<CatalogSnapshot> {
  await client.query(`SELECT set_config('search_path', quote_ident($1), true)`, [schema]);
  return read(client, schema, names);
}

async function read(
  client: ClientBase,
  schema: string,
  names: { tables: readonly string[]; views: readonly string[]; functions: readonly string[] },
): Promise<CatalogSnapshot> {
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (!exists.rowCount) return { schemaExists: false, tables: {}, views: {}, functions: {} };
  const quoted = (await client.query<{ q: string }>('SELECT quote_ident($1) AS q', [schema])).rows[0].q;
  const withoutSchema = (definition: string) => definition.split(` ON ${quoted}.`).join(' ON ');

  const columns = await client.query<{
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY($2)
      ORDER BY a.attnum`,
    [schema, names.tables],
  );
  const constraints = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2)`,
    [schema, names.tables],
  );
  const indexes = await client.query<{ table: string; name: string; definition: string; unique: boolean }>(
    `SELECT c.relname AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = c.oid)`,
    [schema, names.tables],
  );
  const triggers = await client.query<{ table: string; name: string; definition: string; enabled: string }>(
    `SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition, t.tgenabled AS enabled
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND NOT t.tgisinternal`,
    [schema, names.tables],
  );
  const views = await client.query<{ name: string; definition: string }>(
    `SELECT c.relname AS name, pg_get_viewdef(c.oid) AS definition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'v' AND c.relname = ANY($2)`,
    [schema, names.views],
  );
  const functions = await client.query<{ name: string } & FunctionSnapshot>(
    `SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
            pg_get_function_result(p.oid) AS returns, l.lanname AS language,
            CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END AS volatility,
            p.prosrc AS body
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
      WHERE n.nspname = $1 AND p.proname = ANY($2)`,
    [schema, names.functions],
  );

  type Mutable<T> = { -readonly [K in keyof T]: { -readonly [Name in keyof T[K]]: T[K][Name] } };
  const tables: Record<string, Mutable<TableSnapshot>> = {};
  const table = (name: string) =>
    (tables[name] ??= { columns: {}, constraints: {}, indexes: {}, triggers: {} });
  for (const row of columns.rows)
    table(row.table).columns[row.column] = { type: row.type, notNull: row.not_null, default: row.default };
  for (const row of constraints.rows) table(row.table).constraints[row.name] = row.definition;
  for (const row of indexes.rows)
    table(row.table).indexes[row.name] = { definition: withoutSchema(row.definition), unique: row.unique };
  for (const row of triggers.rows)
    table(row.table).triggers[row.name] = {
      definition: withoutSchema(row.definition),
      enabled: row.enabled !== 'D',
    };
  return {
    schemaExists: true,
    tables,
    views: Object.fromEntries(views.rows.map((row) => [row.name, { definition: row.definition }])),
    functions: Object.fromEntries(functions.rows.map(({ name, ...rest }) => [name, rest])),
  };
}
