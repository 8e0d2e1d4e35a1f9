import { randomBytes } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { AnyTable } from '../tables/define-table';
import { isJsonType, parameterValue, SqlValue, Step } from './step';

/**
 * A batch's statements (mergedStatements, then the checkpoint's) as one PL/pgSQL DO block that runs them
 * and checks every row count: one round trip.
 */
export function doBlock(statements: readonly string[]): string {
  const body = statements.join('\n  ');
  let tag = '';
  do tag = `$batch_${randomBytes(6).toString('hex')}$`;
  while (body.includes(tag));
  return `DO ${tag} DECLARE affected bigint; BEGIN\n  ${body}\nEND ${tag}`;
}

/**
 * The batch's steps as PL/pgSQL statements, merged by shape within layers: a change goes to the first layer
 * after every earlier change that writes a row it reads or writes, so merged changes touch different rows
 * and the outcome is the one-by-one outcome. (Reads are foreign keys: they need the row to exist, which no
 * update undoes, so an update need not wait for them.) Other statements (deletes) stay single statements
 * that nothing is moved across.
 */
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
  // The values are the ones a single statement would send (see sqlValue); json and jsonb values are JSON
  // text, which goes into the rows as the JSON it is (a JSON string holding it would read back as a string).
  const fields = columns.map((column) => ({
    name: `${JSON.stringify(column)}:`,
    json: isJsonType(definition.columns[column].spec.type),
  }));
  const field = (value: SqlValue, json: boolean) =>
    json && value !== null ? String(value) : JSON.stringify(value);
  const rows = quoteLiteral(
    `[${group
      .map((step) => {
        const row = step.change!.values;
        return `{${fields.map(({ name, json }, index) => name + field(row[columns[index]], json)).join(',')}}`;
      })
      .join(',')}]`,
  );
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

/**
 * A compiled statement with its parameters written in as literals, for a simple-protocol query. A `$n` is a
 * placeholder only where PostgreSQL's lexer would read one: not inside a string literal ('…' with ''
 * escapes, E'…' with backslash escapes too), a quoted identifier ("…"), a dollar-quoted string ($tag$…$tag$)
 * or a comment, and not within an identifier (`a$1`). `rows.statement` may hold any of these (`sql.lit`,
 * `sql.raw`), and text written inside one of them must stay as written.
 */
export function inlineParameters(text: string, parameters: readonly unknown[]): string {
  let result = '';
  let copied = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text[index];
    const next = text[index + 1];
    if (char === "'") {
      const extended = /[eE]/.test(text[index - 1] ?? '') && !isIdentifierChar(text[index - 2]);
      index = endOfQuoted(text, index, "'", extended);
    } else if (char === '"') {
      index = endOfQuoted(text, index, '"', false);
    } else if (char === '-' && next === '-') {
      const end = text.indexOf('\n', index);
      index = end < 0 ? length : end + 1;
    } else if (char === '/' && next === '*') {
      index = endOfBlockComment(text, index);
    } else if (char === '$' && !isIdentifierChar(text[index - 1])) {
      const placeholder = /^\$(\d+)/.exec(text.slice(index, index + 12));
      if (placeholder) {
        const number = Number(placeholder[1]);
        if (number < 1 || number > parameters.length)
          throw new Error(`the statement names parameter $${number} of ${parameters.length}`);
        result += text.slice(copied, index) + literal(parameters[number - 1]);
        index += placeholder[0].length;
        copied = index;
      } else {
        const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(index));
        if (tag) {
          const end = text.indexOf(tag[0], index + tag[0].length);
          if (end < 0) throw new Error(`unterminated dollar-quoted string ${tag[0]}`);
          index = end + tag[0].length;
        } else index++;
      }
    } else index++;
  }
  return result + text.slice(copied);
}

/** Letters, digits, `_`, `$` and anything not ASCII continue an identifier (or a keyword). */
function isIdentifierChar(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(char);
}

/** The index after the quoted text opening at `start` (a doubled quote stays inside). */
function endOfQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (backslashEscapes && char === '\\') index += 2;
    else if (char === quote) {
      if (text[index + 1] !== quote) return index + 1;
      index += 2;
    } else index++;
  }
  throw new Error(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
}

/** The index after the block comment opening at `start`; PostgreSQL's block comments nest. */
function endOfBlockComment(text: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < text.length) {
    if (text.startsWith('/*', index)) {
      depth++;
      index += 2;
    } else if (text.startsWith('*/', index)) {
      depth--;
      index += 2;
      if (depth === 0) return index;
    } else index++;
  }
  throw new Error('unterminated block comment');
}

/**
 * A parameter as a literal of unknown type, which PostgreSQL resolves from where it stands exactly as it
 * resolves an untyped parameter: `'42'` is a number next to a number, text next to text.
 */
function literal(value: unknown): string {
  const converted = parameterValue(value);
  return converted === null ? 'NULL' : quoteLiteral(String(converted));
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
