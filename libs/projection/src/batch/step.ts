import {
  Compilable,
  CompiledQuery,
  DummyDriver,
  Insertable,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  Selectable,
  Updateable,
} from 'kysely';
import { AnyTable } from '../tables/define-table';

/**
 * One statement an event turns into, compiled by kysely, and what it must do: change exactly one row, or
 * anything. Plans are data, so a batch can run them one by one or all in a single round trip.
 */
export interface Step {
  readonly query: CompiledQuery;
  /** Names the row, for the error when the statement does not change exactly one. */
  readonly changesOneRow?: string;
  /** The same change as a row, for a batch to merge with others of its shape (see merge-statements). */
  readonly change?: RowChange;
}

export type RowValues = Readonly<Record<string, unknown>>;

/** A value as both ways of running a change send it: text, a number, a boolean or NULL (see sqlValue). */
export type SqlValue = string | number | boolean | null;

/**
 * An insert of one row, or an update of the one row whose `key` columns have the values in `values`.
 * `writes` and `reads` name the rows it changes and the rows its foreign keys need, so a batch can tell
 * which changes may run together without changing the outcome. Both are derived from the table definition.
 */
export interface RowChange {
  readonly table: string;
  readonly kind: 'insert' | 'update';
  /**
   * The columns it sets, with their values as sqlValue made them (json and jsonb columns hold JSON text):
   * the same values whether the change runs alone or merged with others of its shape.
   */
  readonly values: Readonly<Record<string, SqlValue>>;
  readonly key?: readonly string[];
  readonly writes: readonly string[];
  readonly reads: readonly string[];
}

/** What a projection's handler writes with: typed by the tables it declares, and nothing else. */
export interface RowWriter<DB> {
  /** For statements the helpers below do not cover; compile only (plans run later, maybe merged). */
  readonly db: Kysely<DB>;
  insert<T extends keyof DB & string>(table: T, values: Insertable<DB[T]>): Step;
  /** Updates the one row whose primary key is `key`; anything else than one row changed fails the event. */
  update<T extends keyof DB & string>(
    table: T,
    key: Partial<Selectable<DB[T]>>,
    changes: Updateable<DB[T]>,
  ): Step;
  /** Deletes the rows matching `where`: exactly one (the default), or `any` number. */
  delete<T extends keyof DB & string>(
    table: T,
    where: Partial<Selectable<DB[T]>>,
    expect?: { rows: 'one' | 'any' },
  ): Step;
  /** Any statement kysely builds; `changesOneRow` names the row it must change. */
  statement(query: Compilable, changesOneRow?: string): Step;
}

// Table names held in variables are beyond kysely's typing; the RowWriter interface keeps callers typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQueryBuilder = any;

/** Compiles only: planning runs no statement and needs no connection. */
export function compilingKysely<DB>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/**
 * How a change of a table names the rows it touches: "table(columns):values", the same text for a row
 * written (its primary key, its unique keys) and for a foreign key that needs it. Computed once per table:
 * planning runs for every event of a catch-up.
 */
interface TouchPlan {
  /** Column sets that identify a row, each with its key's prefix. */
  readonly identities: readonly { readonly columns: readonly string[]; readonly prefix: string }[];
  /** Foreign keys: the referencing columns and the prefix of the referenced row's key. */
  readonly references: readonly { readonly columns: readonly string[]; readonly prefix: string }[];
}

const keyPrefix = (table: string, columns: readonly string[]) => `${table}(${columns.join(',')}):`;

const touchPlans = new WeakMap<AnyTable, TouchPlan>();
function touchPlanOf(table: AnyTable): TouchPlan {
  let plan = touchPlans.get(table);
  if (!plan) {
    const identities = [
      table.primaryKey,
      ...table.uniques.map((unique) => unique.columns),
      ...table.indexes
        .filter((index) => index.unique && !index.where && index.keys.every((key) => key in table.columns))
        .map((index) => index.keys),
    ].map((columns) => ({ columns, prefix: keyPrefix(table.name, columns) }));
    const references = table.foreignKeys.map((foreignKey) => ({
      columns: foreignKey.columns,
      prefix: keyPrefix(foreignKey.table, foreignKey.references),
    }));
    plan = { identities, references };
    touchPlans.set(table, plan);
  }
  return plan;
}

/** The key of the row `columns` name in `values`; undefined when a value is missing or null. */
function rowKey(prefix: string, columns: readonly string[], values: RowValues): string | undefined {
  if (columns.length === 1) {
    const value = values[columns[0]];
    if (value === null || value === undefined) return undefined;
    return typeof value === 'string' ? prefix + value : prefix + JSON.stringify(value);
  }
  const key: unknown[] = [];
  for (const column of columns) {
    const value = values[column];
    if (value === null || value === undefined) return undefined;
    key.push(value);
  }
  return prefix + JSON.stringify(key);
}

/**
 * The rows a change writes (its identities present in `values`) and reads (the rows needed by its foreign
 * keys among the columns it sets: all of them for an insert, `changed` for an update).
 */
function rowChange(
  table: AnyTable,
  kind: 'insert' | 'update',
  values: Readonly<Record<string, SqlValue>>,
  changed?: RowValues,
): RowChange {
  const plan = touchPlanOf(table);
  const writes: string[] = [];
  for (const { columns, prefix } of plan.identities) {
    const key = rowKey(prefix, columns, values);
    if (key !== undefined) writes.push(key);
  }
  const reads: string[] = [];
  for (const { columns, prefix } of plan.references) {
    if (changed && !columns.some((column) => column in changed)) continue;
    const key = rowKey(prefix, columns, values);
    if (key !== undefined) reads.push(key);
  }
  return kind === 'insert'
    ? { table: table.name, kind, values, writes, reads }
    : { table: table.name, kind, values, key: table.primaryKey, writes, reads };
}

/** Whether a column holds JSON: its values are JSON text, which a merged batch splices in as JSON. */
export function isJsonType(type: string): boolean {
  return type === 'jsonb' || type === 'json';
}

/**
 * A value as it is sent, the same whether its change runs alone (a parameter) or merged (a field of JSON
 * read back by jsonb_to_recordset): pg and JSON.stringify disagree on most JavaScript values that are not
 * text, numbers or booleans, so none reaches either of them.
 *
 * - json, jsonb: JSON text (any JavaScript value JSON can hold; a bigint inside fails the event);
 * - Date: ISO 8601 in UTC (`timestamp` columns hold UTC whatever the process's time zone);
 * - Buffer, Uint8Array: bytea's hex text (`\x0102`);
 * - bigint: its digits; a number that is not finite: `NaN`, `Infinity`, `-Infinity`;
 * - an array: a PostgreSQL array literal (elements converted the same way);
 * - another object: its JSON (what pg sends for one).
 */
export function sqlValue(type: string, value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (isJsonType(type)) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new Error(`a ${typeof value} is not a JSON value`);
    return json;
  }
  return scalar(value);
}

/**
 * A parameter of a statement a handler built itself (`rows.statement`), as sent whether it runs alone or
 * written into a merged batch: as sqlValue converts a value of a column that is not JSON.
 */
export function parameterValue(value: unknown): SqlValue {
  return scalar(value);
}

function scalar(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new Error('an invalid Date');
        return value.toISOString();
      }
      if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
      if (Array.isArray(value)) return arrayLiteral(value);
      return JSON.stringify(value);
    default:
      throw new Error(`a ${typeof value} is not a column value`);
  }
}

/** A PostgreSQL array literal: `{"a","b c",NULL}`, nested arrays as nested braces. */
function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((element) => {
    if (element === null || element === undefined) return 'NULL';
    if (Array.isArray(element)) return arrayLiteral(element);
    const text = String(scalar(element));
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${elements.join(',')}}`;
}

/** The values of a change as sent (see sqlValue): a key left undefined is left out, not written as NULL. */
function sqlValues(table: AnyTable, values: RowValues): Record<string, SqlValue> {
  const converted: Record<string, SqlValue> = {};
  for (const [column, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = table.columns[column]?.spec;
    if (!spec) throw new Error(`table ${table.name} has no column ${column}`);
    try {
      converted[column] = sqlValue(spec.type, value);
    } catch (error) {
      throw new Error(`${table.name}.${column}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  return converted;
}

/**
 * The row writer of one schema: each step compiles its statement only if the batch runs it on its own
 * (most are merged), and names the rows it touches from the table's keys and foreign keys. Values are
 * converted once, when the handler plans the change (see sqlValue), and both ways of running it use them.
 */
export function rowWriter<DB>(db: Kysely<DB>, tables: ReadonlyMap<string, AnyTable>): RowWriter<DB> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const untyped = db as Kysely<any>;
  const definition = (table: string) => {
    const found = tables.get(table);
    if (!found) throw new Error(`table ${table} is not one of the projection's tables`);
    return found;
  };
  const describe = (table: AnyTable, key: RowValues) =>
    `${table.name} row ${Object.entries(key)
      .map(([column, value]) => `${column}=${String(value)}`)
      .join(', ')}`;

  return {
    db,
    insert(table, values) {
      const target = definition(table);
      const row = sqlValues(target, values as RowValues);
      let query: CompiledQuery | undefined;
      return {
        get query() {
          return (query ??= untyped.insertInto(table).values(row).compile());
        },
        change: rowChange(target, 'insert', row),
      };
    },
    update(table, key, changes) {
      const target = definition(table);
      const { primaryKey } = target;
      const keyValues = sqlValues(target, key as RowValues);
      for (const column of primaryKey)
        if (keyValues[column] === undefined || keyValues[column] === null)
          throw new Error(
            `an update of ${table} names its row by the primary key (${primaryKey.join(', ')})`,
          );
      const changed = sqlValues(target, changes as RowValues);
      for (const column of primaryKey) {
        if (!(column in changed)) continue;
        if (changed[column] !== keyValues[column])
          throw new Error(
            `an update of ${describe(target, keyValues)} cannot change its key column ${column}`,
          );
        delete changed[column];
      }
      if (Object.keys(changed).length === 0)
        throw new Error(`an update of ${describe(target, keyValues)} sets no column`);
      const values = {
        ...Object.fromEntries(primaryKey.map((column) => [column, keyValues[column]])),
        ...changed,
      };
      let query: CompiledQuery | undefined;
      return {
        get query() {
          let builder: AnyQueryBuilder = untyped.updateTable(table).set(changed as never);
          for (const column of primaryKey) builder = builder.where(column, '=', keyValues[column]);
          return (query ??= builder.compile());
        },
        // Only needed when the update changes no row, to say which one it missed.
        get changesOneRow() {
          return describe(target, keyValues);
        },
        change: rowChange(target, 'update', values, changed),
      };
    },
    delete(table, where, expect = { rows: 'one' }) {
      const target = definition(table);
      let builder: AnyQueryBuilder = untyped.deleteFrom(table);
      const matching = where as RowValues;
      for (const [column, value] of Object.entries(matching))
        // Left out, an undefined value would widen the delete; it names no row, so it is refused.
        if (value === undefined)
          throw new Error(`a delete of ${table} names column ${column} without a value`);
      for (const [column, value] of Object.entries(sqlValues(target, matching)))
        builder = value === null ? builder.where(column, 'is', null) : builder.where(column, '=', value);
      return {
        query: builder.compile(),
        changesOneRow: expect.rows === 'one' ? describe(target, where as RowValues) : undefined,
      };
    },
    statement(query, changesOneRow) {
      const compiled = query.compile();
      return { query: { ...compiled, parameters: compiled.parameters.map(parameterValue) }, changesOneRow };
    },
  };
}
