import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  createScratchDatabase,
  dropDatabase,
  ScratchDatabase,
  scratchDatabaseUrl,
} from '@certm3/test-support/scratch-database';
import { describeEventStoreContract } from '../contract/event-store.contract';
import {
  AllSubscription,
  collect,
  comparePositions,
  EventToAppend,
  GlobalPosition,
  RecordedEvent,
} from '../port';
import { PostgresEventStore } from './postgres-event-store';

const PAGE_SIZE = 50;

let contractDatabase: ScratchDatabase;
let contractStore: PostgresEventStore;
describeEventStoreContract(
  'PostgreSQL',
  async () => {
    contractDatabase = await createScratchDatabase('certm3_es_contract');
    contractStore = await PostgresEventStore.connect({
      url: contractDatabase.url,
      pageSize: PAGE_SIZE,
      poolSize: 25,
    });
    return { store: contractStore, pageSize: PAGE_SIZE, conditionsHoldAtCommit: true };
  },
  async () => {
    await contractStore.close();
    await contractDatabase.drop();
  },
);

const newEvent = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

/** Appends through the SQL function on a caller-held connection, inside whatever transaction it has open. */
async function appendInOpenTransaction(client: Client, streamId: string, type: string): Promise<void> {
  await client.query(
    `SELECT * FROM append_to_stream($1, -1, ARRAY[$2]::uuid[], ARRAY[$3]::text[], ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[])`,
    [streamId, randomUUID(), type],
  );
}

async function globalPositionOf(client: Client, streamId: string): Promise<bigint> {
  const { rows } = await client.query('SELECT global_position FROM events WHERE stream_id = $1', [streamId]);
  return BigInt(rows[0].global_position);
}

describe('PostgreSQL event store: transactions committing out of order', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let holder: Client;
  let other: Client;
  let subscription: AllSubscription | undefined;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_order');
    // readAll must not wait for the transactions these tests hold open on purpose.
    store = await PostgresEventStore.connect({ url: database.url, readAllSettleMs: 0 });
  });
  beforeEach(async () => {
    holder = new Client({ connectionString: database.url });
    other = new Client({ connectionString: database.url });
    await Promise.all([holder.connect(), other.connect()]);
  });
  afterEach(async () => {
    await subscription?.close();
    await Promise.all([holder.end(), other.end()]);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  async function checkpointNow(): Promise<GlobalPosition> {
    return (
      await store.append(`marker-${randomUUID()}`, [newEvent('Marker')], { expectedRevision: 'no_stream' })
    ).position;
  }

  /** Collects what the subscription delivers for `ms` milliseconds, ignoring other tests' streams. */
  function recorder(sub: AllSubscription, prefix: string) {
    const received: RecordedEvent[] = [];
    const iterator = sub[Symbol.asyncIterator]();
    const pump = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        if (next.value.streamId.startsWith(prefix)) received.push(next.value);
      }
    })();
    return { received, pump };
  }

  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('holds back an event committed while an older transaction is still open, then delivers both in order', async () => {
    const prefix = `held-${randomUUID()}`;
    const from = await checkpointNow();
    subscription = store.subscribeToAll({ from });
    const { received } = recorder(subscription, prefix);

    await holder.query('BEGIN');
    await appendInOpenTransaction(holder, `${prefix}-late`, 'CommittedLate');
    await store.append(`${prefix}-early`, [newEvent('CommittedEarly')], { expectedRevision: 'no_stream' });

    // The early commit's sequence number is higher, yet a reader passing it now could skip the late one.
    expect(await globalPositionOf(other, `${prefix}-early`)).toBeGreaterThan(
      await globalPositionOf(holder, `${prefix}-late`),
    );
    await settle(700);
    expect(received).toEqual([]);
    expect((await collect(store.readAll({ from }))).filter((e) => e.streamId.startsWith(prefix))).toEqual([]);

    await holder.query('COMMIT');
    await waitUntil(() => received.length === 2);
    expect(received.map((e) => e.type)).toEqual(['CommittedLate', 'CommittedEarly']);
    expect(comparePositions(received[0].position, received[1].position)).toBe(-1);
  });

  // Regression guard for the classic gap: ordering by sequence number alone, a reader that passed
  // position N+1 (committed) would never deliver N (committed later by a younger transaction).
  it('delivers an event committed late with a lower sequence number than one already delivered', async () => {
    const prefix = `lower-${randomUUID()}`;
    const from = await checkpointNow();
    subscription = store.subscribeToAll({ from });
    const { received } = recorder(subscription, prefix);

    await other.query('BEGIN');
    await other.query('SELECT pg_current_xact_id()'); // the older transaction id, sequence number taken later
    await holder.query('BEGIN');
    await appendInOpenTransaction(holder, `${prefix}-younger`, 'YoungerCommittedLast'); // lower sequence number
    await appendInOpenTransaction(other, `${prefix}-older`, 'OlderCommittedFirst'); // higher sequence number
    await other.query('COMMIT');

    await waitUntil(() => received.length === 1);
    expect(received[0].type).toBe('OlderCommittedFirst');

    await holder.query('COMMIT');
    await waitUntil(() => received.length === 2);
    expect(received.map((e) => e.type)).toEqual(['OlderCommittedFirst', 'YoungerCommittedLast']);
    const [older, younger] = received;
    expect(younger.position.prepare).toBeLessThan(older.position.prepare);
    expect(comparePositions(older.position, younger.position)).toBe(-1);
  });

  it('keeps delivering by polling while its LISTEN connection is down, and listens again afterwards', async () => {
    const prefix = `relisten-${randomUUID()}`;
    const from = await checkpointNow();
    subscription = store.subscribeToAll({ from });
    const { received } = recorder(subscription, prefix);
    await settle(200);

    const { rowCount } = await other.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(rowCount).toBe(1);
    await store.append(`${prefix}-a`, [newEvent('DuringOutage')], { expectedRevision: 'no_stream' });
    await waitUntil(() => received.length === 1);

    await waitUntil(async () => {
      const { rows } = await other.query(
        `SELECT count(*)::int AS listeners FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      return rows[0].listeners === 1;
    });
    await store.append(`${prefix}-b`, [newEvent('AfterOutage')], { expectedRevision: 'no_stream' });
    await waitUntil(() => received.length === 2);
    expect(received.map((e) => e.type)).toEqual(['DuringOutage', 'AfterOutage']);
  });
});

describe('PostgreSQL event store: start-up', () => {
  it('creates its database and schema when several processes start at once', async () => {
    const { name, url } = scratchDatabaseUrl('certm3_es_startup');
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresEventStore.connect({ url })));
      await stores[0].append(`started-${randomUUID()}`, [newEvent('Started')], {
        expectedRevision: 'no_stream',
      });
      await Promise.all(stores.map((store) => store.close()));
      const client = new Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT version FROM event_store_migrations ORDER BY version');
      await client.end();
      expect(rows.map((row) => row.version)).toEqual([1, 2, 3, 4]);
    } finally {
      await dropDatabase(name);
    }
  });

  it('reports an unreachable server as unavailable', async () => {
    await expect(
      PostgresEventStore.connect({ url: 'postgres://postgres@127.0.0.1:1/nowhere' }),
    ).rejects.toMatchObject({
      code: 'EVENT_STORE_UNAVAILABLE',
    });
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PostgreSQL event store: appends sharing a round trip', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_batch');
    store = await PostgresEventStore.connect({ url: database.url, maxBatchesInFlight: 1 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('fails only the append PostgreSQL refuses, not the others batched with it', async () => {
    // An event id already recorded elsewhere: this append's own problem, found only by the database.
    const recorded = newEvent('Recorded');
    await store.append(`earlier-${randomUUID()}`, [recorded], { expectedRevision: 'no_stream' });
    const refused = { ...newEvent('Refused'), id: recorded.id };
    const streams = Array.from({ length: 10 }, () => `batched-${randomUUID()}`);
    const outcomes = await Promise.allSettled(
      streams.map((streamId, index) =>
        store.append(streamId, [index === 5 ? refused : newEvent('Accepted')], {
          expectedRevision: 'no_stream',
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      streams.map((_, index) => (index === 5 ? 'rejected' : 'fulfilled')),
    );
    for (const [index, streamId] of streams.entries()) {
      if (index !== 5) expect(await collect(store.readStream(streamId))).toHaveLength(1);
    }
  });
});
