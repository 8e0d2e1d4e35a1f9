import { AnyColumn, ColumnTypeOf } from './column';
import { TriggerDefinition, TriggerSpec } from './define-function';

type ColumnName<Columns> = keyof Columns & string;

/** An index entry: a column, a column descending, or any expression (`data jsonb_path_ops`, `lower(email)`). */
export type IndexKey<Name extends string> = Name | `${Name} DESC` | { readonly expression: string };

export interface IndexSpec<Name extends string> {
  readonly columns: readonly IndexKey<Name>[];
  readonly unique?: boolean;
  readonly using?: 'btree' | 'hash' | 'gin' | 'gist' | 'brin';
  /** A partial index: `deleted_at IS NULL`. */
  readonly where?: string;
}

export interface TableSpec<Columns extends Record<string, AnyColumn>> {
  readonly columns: Columns;
  /** A composite primary key, named `<table>_pkey`; one column is `.primaryKey()` on the column instead. */
  readonly primaryKey?: readonly ColumnName<Columns>[];
  /** Unique constraints over several columns, by name. */
  readonly unique?: Readonly<Record<string, readonly ColumnName<Columns>[]>>;
  /** Foreign keys over several columns, by name; one column is `.references()` on the column instead. */
  readonly foreignKeys?: Readonly<
    Record<
      string,
      {
        readonly columns: readonly ColumnName<Columns>[];
        readonly table: string;
        readonly references: readonly string[];
      }
    >
  >;
  readonly indexes?: Readonly<Record<string, IndexSpec<ColumnName<Columns>>>>;
  /** CHECK constraints by name, as SQL over the table's columns. */
  readonly checks?: Readonly<Record<string, string>>;
  readonly triggers?: Readonly<Record<string, TriggerSpec>>;
  /**
   * Columns the model's reader role may not select (a password hash, a secret): the reader gets SELECT on
   * the other columns only (column-level grants), and a `SELECT *` as the reader is refused.
   */
  readonly hiddenFromReader?: readonly ColumnName<Columns>[];
  /**
   * The reader role may not select the table at all (sealed private keys, key-encryption keys): it gets no
   * grant on it, and one it holds (a database of an earlier release) is revoked. Views over it still work.
   */
  readonly closedToReader?: boolean;
  /**
   * Columns a verify report shows only as a SHA-256 digest (`sha256:<hex>`), never as stored: the report is
   * printed and logged, and ciphertext has no place in either. Rows are still compared by their values.
   */
  readonly redactedInReports?: readonly ColumnName<Columns>[];
  /**
   * Rows are only ever inserted (an audit log): a rebuild inserts the rows the log adds and refuses, changing
   * nothing, when the rebuilt table would delete or change a row the live one holds (RebuildRefusedError).
   * The guard triggers that refuse UPDATE, DELETE and TRUNCATE are the table's own `triggers`.
   */
  readonly appendOnly?: boolean;
}

export interface ForeignKeyDefinition {
  readonly name: string;
  readonly columns: readonly string[];
  readonly table: string;
  readonly references: readonly string[];
}

export interface IndexDefinition {
  readonly name: string;
  readonly keys: readonly string[];
  readonly unique: boolean;
  readonly using: string;
  readonly where?: string;
}

/** A table of a read model: everything the DDL, the row types, the merger and rebuilds need, in one place. */
export interface TableDefinition<
  Name extends string = string,
  Columns extends Record<string, AnyColumn> = Record<string, AnyColumn>,
> {
  readonly name: Name;
  readonly columns: Columns;
  readonly primaryKey: readonly string[];
  readonly uniques: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly foreignKeys: readonly ForeignKeyDefinition[];
  readonly checks: readonly { readonly name: string; readonly expression: string }[];
  readonly indexes: readonly IndexDefinition[];
  readonly triggers: readonly TriggerDefinition[];
  /** Columns the reader role may not select (see TableSpec.hiddenFromReader). */
  readonly hiddenFromReader: readonly string[];
  /** See TableSpec.closedToReader. */
  readonly closedToReader: boolean;
  /** See TableSpec.redactedInReports. */
  readonly redactedInReports: readonly string[];
  /** See TableSpec.appendOnly. */
  readonly appendOnly: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTable = TableDefinition<string, any>;

/** The kysely table type of a table definition. */
export type TableType<Table extends AnyTable> = {
  [Column in keyof Table['columns']]: ColumnTypeOf<Table['columns'][Column]>;
};

/** The kysely database type of a list of table definitions. */
export type DatabaseOf<Tables extends readonly AnyTable[]> = {
  [Table in Tables[number] as Table['name']]: TableType<Table>;
};

/** PostgreSQL cuts longer identifiers silently, which would make the catalog disagree with the definition. */
const MAX_IDENTIFIER_BYTES = 63;

function checkIdentifier(kind: string, name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error(`${kind} name "${name}" must be lower case letters, digits and underscores`);
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES)
    throw new Error(`${kind} name "${name}" is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES} bytes`);
  return name;
}

const quoteText = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Defines a table. Constraint names are PostgreSQL's defaults (`<table>_pkey`, `<table>_<column>_fkey`,
 * `<table>_<column>_key`, `<table>_<column>_check`) unless given, so the catalog reads like hand-written DDL.
 */
export function defineTable<const Name extends string, const Columns extends Record<string, AnyColumn>>(
  name: Name,
  spec: TableSpec<Columns>,
): TableDefinition<Name, Columns> {
  if (name.startsWith('projector_'))
    throw new Error(`table name "${name}": projector_* names belong to the projector's bookkeeping`);
  return tableDefinition(name, spec);
}

/** defineTable without the reserved names: for the projector's own bookkeeping tables. */
export function tableDefinition<const Name extends string, const Columns extends Record<string, AnyColumn>>(
  name: Name,
  spec: TableSpec<Columns>,
): TableDefinition<Name, Columns> {
  checkIdentifier('table', name);
  const entries = Object.entries(spec.columns);
  for (const [column] of entries) checkIdentifier('column', column);
  const columnKeys = entries.filter(([, column]) => column.spec.primaryKey).map(([column]) => column);
  if (columnKeys.length > 1)
    throw new Error(`table ${name}: several columns say primaryKey(); list them in the table's primaryKey`);
  if (columnKeys.length && spec.primaryKey)
    throw new Error(`table ${name}: a primary key on a column and on the table`);
  const primaryKey = spec.primaryKey ?? columnKeys;
  // A rebuild matches live rows with rebuilt ones by key; so does the batch merger.
  if (primaryKey.length === 0) throw new Error(`table ${name} has no primary key`);
  const known = (column: string, what: string) => {
    if (!(column in spec.columns)) throw new Error(`table ${name}: ${what} names unknown column "${column}"`);
    return column;
  };
  primaryKey.forEach((column) => known(column, 'the primary key'));

  const uniques = [
    ...entries
      .filter(([, c]) => c.spec.unique)
      .map(([column]) => ({ name: `${name}_${column}_key`, columns: [column] })),
    ...Object.entries(spec.unique ?? {}).map(([constraint, columns]) => ({
      name: checkIdentifier('constraint', constraint),
      columns: columns.map((column) => known(column, `unique constraint ${constraint}`)),
    })),
  ];
  const foreignKeys: ForeignKeyDefinition[] = [
    ...entries
      .filter(([, c]) => c.spec.references)
      .map(([column, c]) => ({
        name: `${name}_${column}_fkey`,
        columns: [column],
        table: c.spec.references!.table,
        references: [c.spec.references!.column],
      })),
    ...Object.entries(spec.foreignKeys ?? {}).map(([constraint, fk]) => ({
      name: checkIdentifier('constraint', constraint),
      columns: fk.columns.map((column) => known(column, `foreign key ${constraint}`)),
      table: fk.table,
      references: fk.references,
    })),
  ];
  const checks = [
    ...entries
      .filter(([, c]) => c.spec.allowed)
      .map(([column, c]) => ({
        name: `${name}_${column}_check`,
        expression: `${column} IN (${c.spec.allowed!.map(quoteText).join(', ')})`,
      })),
    ...Object.entries(spec.checks ?? {}).map(([constraint, expression]) => ({
      name: checkIdentifier('constraint', constraint),
      expression,
    })),
  ];
  const indexes = Object.entries(spec.indexes ?? {}).map(([index, indexSpec]) => ({
    name: checkIdentifier('index', index),
    keys: indexSpec.columns.map((key) => {
      if (typeof key !== 'string') return key.expression;
      known(key.replace(/ DESC$/, ''), `index ${index}`);
      return key;
    }),
    unique: indexSpec.unique ?? false,
    using: indexSpec.using ?? 'btree',
    where: indexSpec.where,
  }));
  const triggers = Object.entries(spec.triggers ?? {}).map(([trigger, triggerSpec]) => ({
    name: checkIdentifier('trigger', trigger),
    ...triggerSpec,
  }));
  for (const constraint of [...uniques, ...foreignKeys, ...checks])
    checkIdentifier('constraint', constraint.name);
  const hiddenFromReader = (spec.hiddenFromReader ?? []).map((column) => known(column, 'hiddenFromReader'));
  if (hiddenFromReader.some((column) => primaryKey.includes(column)))
    throw new Error(`table ${name}: a primary key column cannot be hidden from the reader`);
  const redactedInReports = (spec.redactedInReports ?? []).map((column) =>
    known(column, 'redactedInReports'),
  );
  return {
    name,
    columns: spec.columns,
    primaryKey,
    uniques,
    foreignKeys,
    checks,
    indexes,
    triggers,
    hiddenFromReader,
    closedToReader: spec.closedToReader ?? false,
    redactedInReports,
    appendOnly: spec.appendOnly ?? false,
  };
}
