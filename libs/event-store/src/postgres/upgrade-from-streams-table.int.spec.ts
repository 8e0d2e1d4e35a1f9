import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { WrongExpectedRevisionError } from '../errors';
import { collect } from '../port';
import { PostgresEventStore } from './postgres-event-store';
import { migrateEventStoreSchema } from './schema';

/**
 * Migration 3 dropped the `streams` table (revisions are checked against the events themselves). A store
 * written by the previous release must carry on at the right revisions, and a process of that release
 * still running during a rolling upgrade must still be able to append through its `append_to_stream`.
 */
describe('PostgreSQL event store: upgrade from the streams table (migration 2 → 3)', () => {
  let database: ScratchDatabase;
  let client: Client;
  let store: PostgresEventStore;

  const appendAsPreviousRelease = (streamId: string, expected: bigint) =>
    client.query(
      `SELECT * FROM append_to_stream($1, $2, ARRAY[$3]::uuid[], ARRAY['Happened']::text[],
                                      ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[])`,
      [streamId, expected.toString(), randomUUID()],
    );

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_upgrade');
    client = new Client({ connectionString: database.url });
    await client.connect();
    await migrateEventStoreSchema(client, { upToVersion: 2 });
    await appendAsPreviousRelease('old-stream', -2n); // no stream
    await appendAsPreviousRelease('old-stream', 0n);
    store = await PostgresEventStore.connect({ url: database.url });
  });
  afterAll(async () => {
    await store.close();
    await client.end();
    await database.drop();
  });

  it("replaces the streams table with a view that answers the previous release's query", async () => {
    const { rows: kinds } = await client.query(`SELECT relkind FROM pg_class WHERE relname = 'streams'`);
    expect(kinds).toEqual([{ relkind: 'v' }]);
    const previousReleaseQuery = 'SELECT revision FROM streams WHERE stream_id = $1 AND revision >= 0';
    expect((await client.query(previousReleaseQuery, ['old-stream'])).rows).toEqual([{ revision: '1' }]);
    expect((await client.query(previousReleaseQuery, ['no-such-stream'])).rows).toEqual([]);
  });

  it('continues a stream written before the upgrade at its revision', async () => {
    await expect(
      store.append('old-stream', [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }], {
        expectedRevision: 0n,
      }),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    const result = await store.append(
      'old-stream',
      [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }],
      { expectedRevision: 1n },
    );
    expect(result.nextRevision).toBe(2n);
  });

  it("still appends through the previous release's function", async () => {
    const { rows } = await appendAsPreviousRelease('old-stream', 2n);
    expect(rows[0].next_revision).toBe('3');
    expect((await collect(store.readStream('old-stream'))).map((event) => event.revision)).toEqual([
      0n,
      1n,
      2n,
      3n,
    ]);
  });
});
