import { schemaTestBed } from './schema-test-bed';

/**
 * A seed-001 database as data (a model's documented-schema.fixture.ts, whole): every table with its columns
 * (information_schema's type, nullability), keys and checks (each with values its definition names), the
 * indexes (the end of pg_indexes.indexdef), the triggers, functions and views.
 */
export interface DocumentedSchema {
  readonly DOCUMENTED_TABLES: Readonly<
    Record<
      string,
      {
        readonly columns: Readonly<Record<string, readonly [string, 'null' | 'not null']>>;
        readonly primaryKey: readonly string[];
        readonly foreignKeys: Readonly<Record<string, string>>;
        readonly checks: Readonly<Record<string, readonly string[]>>;
      }
    >
  >;
  readonly DOCUMENTED_INDEXES: Readonly<
    Record<string, { table: string; unique: boolean; definition: string }>
  >;
  readonly DOCUMENTED_TRIGGERS: Readonly<Record<string, { table: string; definition: string }>>;
  readonly DOCUMENTED_FUNCTIONS: readonly string[];
  readonly DOCUMENTED_VIEWS: readonly string[];
}

/** Seed 001, "Quick Commands: Table sizes", verbatim. */
export const TABLE_SIZES = `SELECT tablename, pg_size_pretty(pg_total_relation_size(schemaname||'.'||tablename))
FROM pg_tables WHERE schemaname = 'public';`;

/**
 * The specs every seed-001 database's schema passes, against its documented schema: exactly the documented
 * tables, columns, keys, checks, indexes (every foreign key indexed), triggers, functions and views in
 * schema public, and the seed's table-size query run as written. Call it inside the model's describe.
 */
export function itHasTheDocumentedSchema(
  bed: ReturnType<typeof schemaTestBed>,
  fixture: DocumentedSchema,
): void {
  const { query } = bed;
  const documented = {
    tables: fixture.DOCUMENTED_TABLES,
    indexes: fixture.DOCUMENTED_INDEXES,
    triggers: fixture.DOCUMENTED_TRIGGERS,
    functions: fixture.DOCUMENTED_FUNCTIONS,
    views: fixture.DOCUMENTED_VIEWS,
  };
  const tableNames = Object.keys(documented.tables).sort();

  it('has exactly the documented tables, columns, types and nullability, in schema public', async () => {
    const columns = await query<{ table_name: string; column_name: string; type: string; nullable: string }>(
      `SELECT table_name, column_name,
              CASE WHEN character_maximum_length IS NOT NULL THEN data_type || '(' || character_maximum_length || ')' ELSE data_type END AS type,
              CASE is_nullable WHEN 'YES' THEN 'null' ELSE 'not null' END AS nullable
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
    );
    expect([...new Set(columns.map((c) => c.table_name))].sort()).toEqual(tableNames);
    for (const [table, spec] of Object.entries(documented.tables)) {
      const actual = Object.fromEntries(
        columns.filter((c) => c.table_name === table).map((c) => [c.column_name, [c.type, c.nullable]]),
      );
      expect({ table, columns: actual }).toEqual({ table, columns: spec.columns });
    }
  });

  it("lists exactly the documented tables in the seed's table-size query, run as written", async () => {
    const rows = await query<{ tablename: string; pg_size_pretty: string }>(TABLE_SIZES);
    expect(rows.map((row) => row.tablename).sort()).toEqual(tableNames);
    for (const row of rows) expect(row.pg_size_pretty).toMatch(/^\d+ (bytes|kB)$/);
  });

  it('has the documented primary keys, foreign keys and checks', async () => {
    const keys = await bed.keys();
    const checks = await query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace`,
    );
    for (const [table, spec] of Object.entries(documented.tables)) {
      const primary = keys
        .filter((k) => k.table_name === table && k.constraint_type === 'PRIMARY KEY')
        .map((k) => k.column_name);
      expect({ table, primary }).toEqual({ table, primary: spec.primaryKey });
      const foreign = Object.fromEntries(
        keys
          .filter((k) => k.table_name === table && k.constraint_type === 'FOREIGN KEY')
          .map((k) => [k.column_name, k.foreign]),
      );
      expect({ table, foreign }).toEqual({ table, foreign: spec.foreignKeys });
      const found = checks.filter((check) => check.table === table);
      expect({ table, checks: found.map((check) => check.name).sort() }).toEqual({
        table,
        checks: Object.keys(spec.checks).sort(),
      });
      for (const [name, values] of Object.entries(spec.checks)) {
        const definition = found.find((check) => check.name === name)!.definition;
        for (const value of values) expect(definition).toContain(`'${value}'`);
      }
    }
  });

  it('has the documented indexes, and every foreign key is indexed', async () => {
    const indexes = await query<{ indexname: string; tablename: string; indexdef: string }>(
      `SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'idx_%'`,
    );
    expect(indexes.map((index) => index.indexname).sort()).toEqual(Object.keys(documented.indexes).sort());
    for (const [name, spec] of Object.entries(documented.indexes)) {
      const index = indexes.find((candidate) => candidate.indexname === name)!;
      expect({ name, table: index.tablename, definition: index.indexdef }).toEqual({
        name,
        table: spec.table,
        definition: `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX ${name} ON public.${spec.table} ${spec.definition}`,
      });
    }
    for (const [table, spec] of Object.entries(documented.tables))
      for (const column of Object.keys(spec.foreignKeys))
        expect({
          table,
          column,
          indexed: indexes.some((i) => i.tablename === table && i.indexdef.includes(`(${column}`)),
        }).toEqual({
          table,
          column,
          indexed: true,
        });
  });

  it('has the documented triggers, functions and views', async () => {
    const triggers = await query<{ name: string; table: string; definition: string }>(
      `SELECT t.tgname AS name, c.relname AS table, pg_get_triggerdef(t.oid) AS definition
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
    );
    expect(triggers.map((trigger) => trigger.name).sort()).toEqual(Object.keys(documented.triggers).sort());
    for (const trigger of triggers)
      expect(trigger).toEqual({
        name: trigger.name,
        table: documented.triggers[trigger.name].table,
        definition: `CREATE TRIGGER ${trigger.name} ${documented.triggers[trigger.name].definition}`,
      });
    const functions = await query<{ proname: string }>(
      `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
    );
    expect(functions.map((row) => row.proname)).toEqual([...documented.functions]);
    const views = await query<{ viewname: string }>(
      `SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`,
    );
    expect(views.map((view) => view.viewname)).toEqual([...documented.views].sort());
  });
}
