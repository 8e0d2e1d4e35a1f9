import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { collect } from '../port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Regression: readAll returned only what no open transaction could still precede, so an audit export run
 * while any older transaction was open on the server (in any database) silently left out events committed
 * before it began. Found when the 100k-event export test ran beside other test files. readAll now waits,
 * boundedly, for those older transactions.
 */
describe('PostgreSQL event store: readAll while an older transaction is still open', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let holder: Client;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_settle');
    store = await PostgresEventStore.connect({ url: database.url });
    holder = new Client({ connectionString: database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await store.close();
    await database.drop();
  });

  it('returns events committed before it began once the older transaction ends; settle:false does not wait', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_current_xact_id()');
    const stream = `committed-${randomUUID()}`;
    await store.append(stream, [{ id: randomUUID(), type: 'Committed', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });

    const ours = (events: { streamId: string }[]) => events.filter((event) => event.streamId === stream);
    expect(ours(await collect(store.readAll({ settle: false })))).toEqual([]);

    const reading = collect(store.readAll());
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.query('COMMIT');
    expect(ours(await reading)).toHaveLength(1);
  });
});
