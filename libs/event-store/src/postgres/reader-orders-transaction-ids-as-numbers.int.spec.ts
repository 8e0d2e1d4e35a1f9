import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { collect } from '../port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Regression: the reads selected `transaction_id::text AS transaction_id`, and ORDER BY then sorted by that
 * text alias, so transaction 100000 came before 99999. Found by the benchmark when the machine's transaction
 * ids crossed 100000: the projector met a user registered by an administrator it had not seen yet. Here the
 * rows are written with chosen (old, committed) transaction ids on either side of a digit boundary.
 */
describe('PostgreSQL event store: global order across a transaction-id digit boundary', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_xid_order');
    store = await PostgresEventStore.connect({ url: database.url, pageSize: 2 });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const rows: [string, string][] = [
      ['9', 'a'],
      ['10', 'b'],
      ['99', 'c'],
      ['100', 'd'],
      ['99999', 'e'],
      ['100000', 'f'],
    ];
    for (const [transactionId, stream] of rows) {
      await client.query(
        `INSERT INTO events (transaction_id, stream_id, stream_revision, event_id, event_type, data, metadata)
         VALUES ($1::xid8, $2, 0, $3, 'Ordered', '{}', '{}')`,
        [transactionId, stream, randomUUID()],
      );
    }
    await client.end();
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('reads forwards and backwards in numeric transaction order, page after page', async () => {
    const forwards = (await collect(store.readAll())).map((event) => event.streamId);
    expect(forwards).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const backwards = (await collect(store.readAll({ direction: 'backwards' }))).map(
      (event) => event.streamId,
    );
    expect(backwards).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('delivers them to a subscriber in that order', async () => {
    const subscription = store.subscribeToAll({ from: 'start' });
    const received: string[] = [];
    for await (const event of subscription) {
      received.push(event.streamId);
      if (received.length === 6) break;
    }
    await subscription.close();
    expect(received).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});
