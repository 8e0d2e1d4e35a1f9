import { Kysely, PostgresDialect } from 'kysely';
import { Client, escapeIdentifier, Pool } from 'pg';
import { JsonObject } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { applyEventsInTransaction } from '../batch/apply-batch';
import { ReadModel, scratchLayout } from '../model/define-read-model';
import { createModelCopy, dropSchema } from '../operations/scratch-schema';
import { EventSequence, GivenEvent } from './recorded-events';

type Row = Record<string, unknown>;

export interface ProjectionSpec {
  /**
   * Applies `events` to empty tables through the real batch path, twice — all in one merged batch, and one
   * event per batch — and `then` compares the rows. Rows are compared as PostgreSQL writes them in JSON
   * (`to_jsonb`): timestamps without time zone as `2026-11-29T03:00:00`, uuids and text as strings.
   */
  given(...events: GivenEvent[]): {
    /**
     * Each table named holds exactly these rows, in any order (each names its primary key, and only the
     * columns it names are compared), and the merged batch left every table exactly as one event per
     * batch did.
     */
    then(expected: Readonly<Record<string, readonly Row[]>>): Promise<void>;
    /** The events cannot be applied: the batch fails with a message matching `message`, naming the event. */
    thenFails(message: string | RegExp): Promise<void>;
  };
}

/**
 * A projection spec in the style of given(events) → then(rows), against the real PostgreSQL: one scratch
 * database per spec file (created before its tests, dropped after), a fresh copy of the model's tables per
 * case. Call it at the top of a describe block.
 */
export function projectionSpec(model: ReadModel, options: { metadata?: JsonObject } = {}): ProjectionSpec {
  let database: ScratchDatabase | undefined;
  let client: Client | undefined;
  let db: Kysely<unknown> | undefined;
  const sequence = new EventSequence();
  let copies = 0;

  beforeAll(async () => {
    database = await createScratchDatabase(`spec_${model.name}`);
    client = new Client({ connectionString: database.url });
    await client.connect();
    db = new Kysely({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: database.url, max: 1 }) }),
    });
  });
  afterAll(async () => {
    await client?.end();
    await db?.destroy();
    await database?.drop();
  });

  const apply = async (
    schema: string,
    batches: readonly (readonly GivenEvent[])[],
    recorded: ReturnType<typeof record>,
  ) => {
    await createModelCopy(client!, model, schema);
    const layout = scratchLayout(schema);
    let index = 0;
    for (const batch of batches) {
      const events = recorded.slice(index, index + batch.length);
      index += batch.length;
      await db!.transaction().execute((trx) => applyEventsInTransaction(trx, model, layout, events, 'halt'));
    }
  };
  const record = (events: readonly GivenEvent[]) =>
    events.map((event) => sequence.record(event, { metadata: options.metadata }));
  const rowsOf = async (schema: string, table: string) => {
    const definition = model.tableByName.get(table);
    if (!definition) throw new Error(`${table} is not a table of read model ${model.name}`);
    const order = definition.primaryKey.map(escapeIdentifier).join(', ');
    const { rows } = await client!.query<{ row: Row }>(
      `SELECT to_jsonb(t) AS row FROM ${escapeIdentifier(schema)}.${escapeIdentifier(table)} t ORDER BY ${order}`,
    );
    return rows.map((result) => result.row);
  };
  const keyOf = (table: string, row: Row) =>
    JSON.stringify(model.tableByName.get(table)!.primaryKey.map((column) => row[column] ?? null));

  return {
    given(...events) {
      return {
        async then(expected) {
          const recorded = record(events);
          const merged = `spec_merged_${++copies}`;
          const oneByOne = `spec_one_by_one_${copies}`;
          try {
            await apply(merged, [events], recorded);
            await apply(
              oneByOne,
              events.map((event) => [event]),
              recorded,
            );
            for (const [table, rows] of Object.entries(expected)) {
              const byKey = (a: Row, b: Row) => keyOf(table, a).localeCompare(keyOf(table, b));
              const wanted = [...rows].sort(byKey);
              const actual = (await rowsOf(merged, table)).sort(byKey);
              // Each expected row names the columns it cares about; the key orders both sides.
              const compared = actual.map((row, index) =>
                wanted[index]
                  ? Object.fromEntries(Object.keys(wanted[index]).map((column) => [column, row[column]]))
                  : row,
              );
              expect({ table, rows: compared }).toEqual({ table, rows: wanted });
            }
            for (const table of model.tables)
              expect({ table: table.name, merged: await rowsOf(merged, table.name) }).toEqual({
                table: table.name,
                merged: await rowsOf(oneByOne, table.name),
              });
          } finally {
            await dropSchema(client!, merged);
            await dropSchema(client!, oneByOne);
          }
        },
        async thenFails(message) {
          const recorded = record(events);
          const schema = `spec_failing_${++copies}`;
          try {
            await expect(apply(schema, [events], recorded)).rejects.toThrow(message);
          } finally {
            await dropSchema(client!, schema);
          }
        },
      };
    },
  };
}
