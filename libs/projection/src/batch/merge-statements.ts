import { randomBytes } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { AnyTable } from '../tables/define-table';
import { Step } from './step';

/**
 * The batch's steps as one PL/pgSQL DO block that runs them and checks every row count: one round trip.
 * Changes of the same shape (an insert into one table, or an update of the same columns) are merged into
 * one statement per "layer": a change goes to the first layer after every earlier change that writes a row
 * it reads or writes, so merged changes touch different rows and the outcome is the one-by-one outcome.
 * (Reads are foreign keys: they need the row to exist, which no update undoes, so an update need not wait
 * for them.) Other statements (deletes) stay single statements that nothing is moved across.
 */
export function doBlock(
  schema: string,
  steps: readonly Step[],
  tables: ReadonlyMap<string, AnyTable>,
): string {
  const body = mergedStatements(schema, steps, tables).join('\n  ');
  let tag = '';
  do tag = `$batch_${randomBytes(6).toString('hex')}$`;
  while (body.includes(tag));
  return `DO ${tag} DECLARE affected bigint; BEGIN\n  ${body}\nEND ${tag}`;
}

/** The batch's steps as PL/pgSQL statements, merged by shape within layers (see doBlock). */
export function mergedStatements(
  schema: string,
  steps: readonly Step[],
  tables: ReadonlyMap<string, AnyTable>,
): string[] {
  const layers: Step[][] = [];
  const lastWrite = new Map<string, number>();
  let floor = 0; // nothing moves before a statement that could not be merged
  for (const step of steps) {
    const change = step.change;
    if (!change) {
      const layer = layers.length;
      layers.push([step]);
      floor = layer + 1;
      continue;
    }
    let layer = floor;
    for (const key of change.writes) layer = Math.max(layer, (lastWrite.get(key) ?? -1) + 1);
    for (const key of change.reads) layer = Math.max(layer, (lastWrite.get(key) ?? -1) + 1);
    while (layers.length <= layer) layers.push([]);
    layers[layer].push(step);
    for (const key of change.writes) lastWrite.set(key, layer);
  }

  const statements: string[] = [];
  for (const layer of layers) {
    const shapes = new Map<string, Step[]>();
    for (const step of layer) {
      const change = step.change;
      const shape = change
        ? `${change.table} ${change.kind} ${change.key?.join(',') ?? ''} ${Object.keys(change.values).sort().join(',')}`
        : `single ${shapes.size}`;
      const sameShape = shapes.get(shape);
      if (sameShape) sameShape.push(step);
      else shapes.set(shape, [step]);
    }
    for (const group of shapes.values()) {
      statements.push(
        group.length === 1 || !group[0].change ? single(group[0]) : merged(schema, group, tables),
      );
    }
  }
  return statements;
}

function single(step: Step): string {
  const statement = `${inlineParameters(step.query.sql, step.query.parameters)};`;
  return step.changesOneRow ? `${statement}\n  ${expectRows(1)}` : statement;
}

function merged(schema: string, group: readonly Step[], tables: ReadonlyMap<string, AnyTable>): string {
  const { table, kind, key, values } = group[0].change!;
  const definition = tables.get(table)!;
  const columns = Object.keys(values);
  const rows = quoteLiteral(JSON.stringify(group.map((step) => step.change!.values)));
  const recordset = `jsonb_to_recordset(${rows}::jsonb) AS r(${columns
    .map((column) => `${escapeIdentifier(column)} ${definition.columns[column].spec.recordsetType}`)
    .join(', ')})`;
  const target = `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  if (kind === 'insert') {
    const list = columns.map((column) => escapeIdentifier(column)).join(', ');
    return `INSERT INTO ${target} (${list}) SELECT ${list} FROM ${recordset};`;
  }
  const keyColumns = key!;
  const assignments = columns
    .filter((column) => !keyColumns.includes(column))
    .map((column) => `${escapeIdentifier(column)} = r.${escapeIdentifier(column)}`)
    .join(', ');
  const match = keyColumns
    .map((column) => `t.${escapeIdentifier(column)} = r.${escapeIdentifier(column)}`)
    .join(' AND ');
  return `UPDATE ${target} AS t SET ${assignments} FROM ${recordset} WHERE ${match};\n  ${expectRows(group.length)}`;
}

function expectRows(count: number): string {
  return `GET DIAGNOSTICS affected = ROW_COUNT;\n  IF affected <> ${count} THEN RAISE EXCEPTION 'row count'; END IF;`;
}

/** A compiled statement with its parameters written in as literals, for a simple-protocol query. */
export function inlineParameters(text: string, parameters: readonly unknown[]): string {
  // kysely quotes identifiers and passes every value as a parameter, so `$n` only ever is a placeholder.
  return text.replace(/\$(\d+)/g, (_, index: string) => literal(parameters[Number(index) - 1]));
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return quoteLiteral(value);
  if (value instanceof Date) return quoteLiteral(value.toISOString());
  if (Buffer.isBuffer(value)) return quoteLiteral(`\\x${value.toString('hex')}`);
  return quoteLiteral(JSON.stringify(value));
}

/**
 * A string as an SQL literal, as pg's escapeLiteral writes it (quotes doubled; with a backslash, an E''
 * literal with backslashes doubled, right whatever standard_conforming_strings says), but with the
 * engine's regular expressions: pg's loop appends one character at a time, which on a batch's merged rows
 * (hundreds of kilobytes) cost more than the rest of planning.
 */
export function quoteLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
