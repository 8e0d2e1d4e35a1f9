import { escapeIdentifier } from 'pg';
import { AnyTable, ForeignKeyDefinition, IndexDefinition } from '../tables/define-table';
import {
  FunctionDefinition,
  functionBody,
  TriggerDefinition,
  ViewDefinition,
} from '../tables/define-function';

/** What one PostgreSQL schema holds: tables, the functions their triggers call, and views over them. */
export interface SchemaContents {
  readonly tables: readonly AnyTable[];
  readonly functions: readonly FunctionDefinition[];
  readonly views: readonly ViewDefinition[];
}

const id = escapeIdentifier;
const qualified = (schema: string, name: string) => `${id(schema)}.${id(name)}`;
const list = (names: readonly string[]) => names.map(id).join(', ');

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${id(schema)}`;
}

function columnSql(name: string, table: AnyTable): string {
  const { spec } = table.columns[name];
  const parts = [id(name), spec.type];
  if (spec.defaultSql !== undefined) parts.push(`DEFAULT ${spec.defaultSql}`);
  // serial implies NOT NULL; writing it again would be harmless, but the DDL reads as it would by hand.
  if (spec.notNull && spec.type !== 'serial') parts.push('NOT NULL');
  return parts.join(' ');
}

/** The table with its keys, unique constraints and checks; foreign keys come after every table exists. */
export function createTableSql(table: AnyTable, schema: string, ifNotExists = false): string {
  const lines = Object.keys(table.columns).map((column) => columnSql(column, table));
  lines.push(`CONSTRAINT ${id(`${table.name}_pkey`)} PRIMARY KEY (${list(table.primaryKey)})`);
  for (const unique of table.uniques)
    lines.push(`CONSTRAINT ${id(unique.name)} UNIQUE (${list(unique.columns)})`);
  for (const check of table.checks) lines.push(`CONSTRAINT ${id(check.name)} CHECK (${check.expression})`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qualified(schema, table.name)} (\n  ${lines.join(',\n  ')}\n)`;
}

export function addColumnSql(table: AnyTable, column: string, schema: string): string {
  return `ALTER TABLE ${qualified(schema, table.name)} ADD COLUMN IF NOT EXISTS ${columnSql(column, table)}`;
}

export function foreignKeySql(table: AnyTable, foreignKey: ForeignKeyDefinition, schema: string): string {
  return (
    `ALTER TABLE ${qualified(schema, table.name)} ADD CONSTRAINT ${id(foreignKey.name)} ` +
    `FOREIGN KEY (${list(foreignKey.columns)}) REFERENCES ${qualified(schema, foreignKey.table)} (${list(foreignKey.references)}) ` +
    'DEFERRABLE INITIALLY IMMEDIATE'
  );
}

export function createIndexSql(table: AnyTable, index: IndexDefinition, schema: string): string {
  const keys = index.keys
    .map((key) => {
      const descending = / DESC$/.test(key);
      const column = key.replace(/ DESC$/, '');
      return column in table.columns ? `${id(column)}${descending ? ' DESC' : ''}` : key;
    })
    .join(', ');
  return (
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${id(index.name)} ON ${qualified(schema, table.name)} ` +
    `USING ${index.using} (${keys})${index.where ? ` WHERE ${index.where}` : ''}`
  );
}

export function createFunctionSql(definition: FunctionDefinition, schema: string): string {
  const body = functionBody(definition, schema);
  let tag = '$body$';
  for (let n = 0; body.includes(tag); n++) tag = `$body${n}$`;
  return (
    `CREATE OR REPLACE FUNCTION ${qualified(schema, definition.name)}(${definition.arguments}) ` +
    `RETURNS ${definition.returns} LANGUAGE ${definition.language} ${definition.volatility} AS ${tag}${body}${tag}`
  );
}

export function createTriggerSql(table: AnyTable, trigger: TriggerDefinition, schema: string): string {
  return (
    `CREATE OR REPLACE TRIGGER ${id(trigger.name)} ${trigger.timing} ${trigger.events.join(' OR ')} ` +
    `ON ${qualified(schema, table.name)} FOR EACH ${trigger.forEach}` +
    `${trigger.when ? ` WHEN (${trigger.when})` : ''} EXECUTE FUNCTION ${qualified(schema, trigger.execute.name)}()`
  );
}

/** Views name tables bare: the statement before them puts their schema on the search path. */
export function searchPathSql(schema: string): string {
  return `SET LOCAL search_path TO ${id(schema)}`;
}

export function createViewSql(view: ViewDefinition, schema: string): string {
  return `CREATE OR REPLACE VIEW ${qualified(schema, view.name)} AS ${view.sql}`;
}

/** Every statement that builds `contents` in an empty `schema`, in an order that works. */
export function fullDdl(contents: SchemaContents, schema: string): string[] {
  return [
    createSchemaSql(schema),
    ...contents.functions.map((definition) => createFunctionSql(definition, schema)),
    ...contents.tables.map((table) => createTableSql(table, schema)),
    ...contents.tables.flatMap((table) => table.foreignKeys.map((fk) => foreignKeySql(table, fk, schema))),
    ...contents.tables.flatMap((table) => table.indexes.map((index) => createIndexSql(table, index, schema))),
    ...contents.tables.flatMap((table) =>
      table.triggers.map((trigger) => createTriggerSql(table, trigger, schema)),
    ),
    ...(contents.views.length
      ? [searchPathSql(schema), ...contents.views.map((view) => createViewSql(view, schema))]
      : []),
  ];
}
