import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { collect } from '../port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Regression: the reads selected `transaction_id::text AS transaction_id`, and ORDER BY then sorted by that
 * text alias, so transaction 100000 came before 99999. Found by the benchmark when the machine's transaction
 * ids crossed 100000: the projector met a user registered by an administrator it had not seen yet. Here the
 * rows are written with chosen (old, committed) transaction ids on either side of each digit boundary the
 * server has passed (a first version wrote 99999 and 100000 outright, and failed on a fresh server whose
 * ids had not reached them: rows of transactions still "in the future" are never safe to read).
 */
describe('PostgreSQL event store: global order across a transaction-id digit boundary', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  /** Stream ids a, b, c, … in the numeric order of their transaction ids. */
  let expected: string[];

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_xid_order');
    store = await PostgresEventStore.connect({ url: database.url, pageSize: 2 });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    // Ids must be of transactions that have ended (below the snapshot's xmin), so the boundaries crossed
    // depend on how far this server's transaction ids have come: every power of ten up to there.
    const { rows: snapshot } = await client.query<{ xmin: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
    );
    const below = BigInt(snapshot[0].xmin);
    const transactionIds: bigint[] = [];
    for (let boundary = 10n; boundary < below; boundary *= 10n) transactionIds.push(boundary - 1n, boundary);
    expected = transactionIds.map((_, index) => String.fromCharCode(97 + index));
    for (const [index, transactionId] of transactionIds.entries()) {
      await client.query(
        `INSERT INTO events (transaction_id, stream_id, stream_revision, event_id, event_type, data, metadata)
         VALUES ($1::xid8, $2, 0, $3, 'Ordered', '{}', '{}')`,
        [transactionId.toString(), expected[index], randomUUID()],
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
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(forwards).toEqual(expected);
    const backwards = (await collect(store.readAll({ direction: 'backwards' }))).map(
      (event) => event.streamId,
    );
    expect(backwards).toEqual([...expected].reverse());
  });

  it('delivers them to a subscriber in that order', async () => {
    const subscription = store.subscribeToAll({ from: 'start' });
    const received: string[] = [];
    for await (const event of subscription) {
      received.push(event.streamId);
      if (received.length === expected.length) break;
    }
    await subscription.close();
    expect(received).toEqual(expected);
  });
});
