import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { collect, EventToAppend, StreamAppend, StreamCondition } from '../port';
import { PostgresEventStore } from './postgres-event-store';
import { migrateEventStoreSchema } from './schema';

/**
 * Regression (deadlock): with schema version 3, two multi-stream appends to the same streams in opposite
 * orders (A then B, B then A) inserted their rows in those orders, each waited on the unique key the other
 * had just taken, and PostgreSQL broke the cycle after its deadlock_timeout (1 s) by failing one of them
 * with 40P01, which reached the caller. Version 4 makes each call take all its stream locks up front, in
 * ascending key order, one mode per key, so crossing calls queue instead. The adapter would retry a
 * deadlock (nothing was written), so this test also asks the server whether it saw one at all.
 */
describe('PostgreSQL event store: crossing conditions and appends', () => {
  let database: ScratchDatabase;
  let observer: Client;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_deadlock');
    observer = new Client({ connectionString: database.url });
    await observer.connect();
    await migrateEventStoreSchema(observer);
  });
  afterAll(async () => {
    await observer.end();
    await database.drop();
  });

  const newEvent = (): EventToAppend => ({ id: randomUUID(), type: 'Happened', data: {}, metadata: {} });

  /** Deadlocks the server detected in this database; a backend reports its count when it exits. */
  async function deadlocksSoFar(): Promise<number> {
    for (const deadline = Date.now() + 5_000; ;) {
      const { rows } = await observer.query<{ others: number }>(
        'SELECT count(*)::int AS others FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      if (rows[0].others === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { rows } = await observer.query<{ deadlocks: string }>(
      'SELECT deadlocks::text FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0].deadlocks);
  }

  // Two stream ids whose hashes collide share a lock key. A call wanting that key shared (for one) and
  // exclusive (for the other) must take it once, exclusive: shared first and exclusive after, two such
  // calls would each hold the share the other waits on. The same stream named twice stands in for a
  // collision (no one can find a 64-bit one); the adapter itself never sends that.
  it('takes one lock per key, exclusive when the key is wanted both ways', async () => {
    const callers = [
      new Client({ connectionString: database.url }),
      new Client({ connectionString: database.url }),
    ];
    await Promise.all(callers.map((client) => client.connect()));
    try {
      const stream = `collided-${randomUUID()}`;
      const call = (client: Client) =>
        client.query(
          `SELECT * FROM append_batch(ARRAY[1, 2], ARRAY[$1, $1], ARRAY[-1, -1]::bigint[], ARRAY[2],
                                      ARRAY[$2]::uuid[], ARRAY['Happened'], ARRAY['{}']::jsonb[],
                                      ARRAY['{}']::jsonb[])`,
          [stream, randomUUID()],
        );
      await callers[0].query('BEGIN');
      await call(callers[0]);
      const { rows: held } = await observer.query<{ mode: string; same_key: boolean }>(
        `SELECT l.mode, ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0) AS same_key
         FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = $2`,
        [stream, (callers[0] as unknown as { processID: number }).processID],
      );
      expect(held).toEqual([{ mode: 'ExclusiveLock', same_key: true }]);

      await callers[1].query('BEGIN');
      const second = call(callers[1]);
      await callers[0].query('COMMIT');
      await second;
      await callers[1].query('COMMIT');
    } finally {
      await Promise.all(callers.map((client) => client.end()));
    }
  });

  it('finishes every one of many concurrent calls, without a deadlock', async () => {
    const stores = await Promise.all(
      [0, 1, 2, 3].map(() =>
        PostgresEventStore.connect({ url: database.url, poolSize: 10, maxBatchesInFlight: 8 }),
      ),
    );
    const before = await deadlocksSoFar();
    const streams = Array.from({ length: 6 }, (_, index) => `shared-${index}-${randomUUID()}`);
    await stores[0].appendToStreams(
      streams.map((streamId) => ({ streamId, events: [newEvent()], expectedRevision: 'no_stream' })),
    );

    // Every call appends to two of the streams and holds a condition on two others, in an order of its
    // own; a fixed pseudo-random sequence, so a failure can be run again.
    let seed = 7;
    const next = (bound: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % bound;
    };
    const calls = 400;
    const appendedTo = new Map(streams.map((streamId) => [streamId, 1]));
    const outcomes = await Promise.allSettled(
      Array.from({ length: calls }, (_, index) => {
        const order = [...streams];
        for (let i = order.length - 1; i > 0; i--) {
          const j = next(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const appends: StreamAppend[] = order
          .slice(0, 2)
          .map((streamId) => ({ streamId, events: [newEvent(), newEvent()], expectedRevision: 'any' }));
        const conditions: StreamCondition[] = order
          .slice(2, 4)
          .map((streamId) => ({ streamId, expectedRevision: 'stream_exists' }));
        for (const { streamId } of appends) appendedTo.set(streamId, appendedTo.get(streamId)! + 2);
        return stores[index % stores.length].appendToStreams(appends, { conditions });
      }),
    );
    await Promise.all(stores.map((store) => store.close()));

    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String(outcome.reason)] : [],
    );
    expect(failures).toEqual([]);
    expect(await deadlocksSoFar()).toBe(before);

    const reader = await PostgresEventStore.connect({ url: database.url });
    try {
      for (const streamId of streams) {
        const revisions = (await collect(reader.readStream(streamId))).map((event) => event.revision);
        expect(revisions).toEqual(
          Array.from({ length: appendedTo.get(streamId)! }, (_, index) => BigInt(index)),
        );
      }
    } finally {
      await reader.close();
    }
  });
});
