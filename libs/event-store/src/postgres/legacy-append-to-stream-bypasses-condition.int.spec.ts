import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { WrongExpectedRevisionError } from '../errors';
import { collect, EventToAppend } from '../port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Regression: a condition only holds if every writer of its stream respects it, and processes of the
 * previous release append through `append_to_stream` directly, in SQL. With schema version 3 that function
 * took no lock: its append to a stream committed while a concurrent `append_batch` was committing a
 * decision conditioned on that stream's older revision, and a condition checked while its append was still
 * uncommitted passed. Version 4's `append_to_stream` takes the stream's exclusive lock first, for every
 * expectation including 'any'. Each side is held open in an explicit transaction, so the interleaving is
 * forced rather than hoped for.
 */
describe('PostgreSQL event store: the single-stream function and conditions', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let observer: Client;
  let holder: Client;
  let legacy: Client;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_legacy_lock');
    // Its readAll runs once this file's transactions have ended, and waits out other files' (up to 30 s).
    store = await PostgresEventStore.connect({ url: database.url, readAllSettleMs: 30_000 });
    observer = new Client({ connectionString: database.url });
    await observer.connect();
  });
  beforeEach(async () => {
    holder = new Client({ connectionString: database.url });
    legacy = new Client({ connectionString: database.url });
    await Promise.all([holder.connect(), legacy.connect()]);
  });
  afterEach(async () => {
    await Promise.all([holder.end(), legacy.end()]);
  });
  afterAll(async () => {
    await observer.end();
    await store.close();
    await database.drop();
  });

  const newEvent = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

  /** What a process of the previous release runs for a one-stream append (-1: 'any'). */
  const appendAsPreviousRelease = (client: Client, streamId: string, expected: bigint, type: string) =>
    client.query<{ next_revision: string }>(
      `SELECT * FROM append_to_stream($1, $2, ARRAY[$3]::uuid[], ARRAY[$4]::text[],
                                      ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[])`,
      [streamId, expected.toString(), randomUUID(), type],
    );

  /** Backends of this database waiting for an advisory lock. */
  async function lockWaiters(): Promise<number[]> {
    const { rows } = await observer.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`,
    );
    return rows.map((row) => row.pid);
  }

  /** 'waiting' once some backend waits for an advisory lock; 'finished' if `call` settles first. */
  async function waitingOrFinished(call: Promise<unknown>): Promise<'waiting' | 'finished'> {
    let finished = false;
    call.then(
      () => (finished = true),
      () => (finished = true),
    );
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      if (finished) return 'finished';
      if ((await lockWaiters()).length > 0) return 'waiting';
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the call neither finished nor waited for a lock');
  }

  it("makes an 'any' append wait for a condition an open append_batch holds, and land after it", async () => {
    const user = `user-${randomUUID()}`;
    const certificate = `certificate-${randomUUID()}`;
    await store.append(user, [newEvent('UserRegistered')], { expectedRevision: 'no_stream' });

    // The write side's call for one command: condition "user at revision 0", one certificate event.
    await holder.query('BEGIN');
    const { rows: decided } = await holder.query<{ actual_revision: string }>(
      `SELECT * FROM append_batch(ARRAY[1, 1], ARRAY[$1, $2], ARRAY[0, -2]::bigint[], ARRAY[2],
                                  ARRAY[$3]::uuid[], ARRAY['CertificateIssued'], ARRAY['{}']::jsonb[],
                                  ARRAY['{}']::jsonb[])`,
      [user, certificate, randomUUID()],
    );
    expect(decided.map((row) => row.actual_revision)).toEqual(['0', '-1']);

    const deactivation = appendAsPreviousRelease(legacy, user, -1n, 'UserDeactivated');
    expect(await waitingOrFinished(deactivation)).toBe('waiting');

    await holder.query('COMMIT');
    expect((await deactivation).rows[0].next_revision).toBe('1');
    const order = (await collect(store.readAll()))
      .filter((event) => event.streamId === user || event.streamId === certificate)
      .map((event) => event.type);
    expect(order).toEqual(['UserRegistered', 'CertificateIssued', 'UserDeactivated']);
  });

  it('makes a condition wait for an open append_to_stream to its stream, then refuse on the new revision', async () => {
    const user = `user-${randomUUID()}`;
    const certificate = `certificate-${randomUUID()}`;
    await store.append(user, [newEvent('UserRegistered')], { expectedRevision: 'no_stream' });

    await legacy.query('BEGIN');
    await appendAsPreviousRelease(legacy, user, 0n, 'UserDeactivated');

    const issue = store.appendToStreams(
      [{ streamId: certificate, events: [newEvent('CertificateIssued')], expectedRevision: 'no_stream' }],
      { conditions: [{ streamId: user, expectedRevision: 0n }] },
    );
    issue.catch(() => undefined);
    expect(await waitingOrFinished(issue)).toBe('waiting');

    await legacy.query('COMMIT');
    const refusal = await issue.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(WrongExpectedRevisionError);
    expect(refusal).toMatchObject({ streamId: user, actual: 1n });
    expect((await store.readStreams([certificate])).get(certificate)).toEqual([]);
  });

  it('lets conditions on one stream share it: neither waits for the other', async () => {
    const user = `user-${randomUUID()}`;
    await store.append(user, [newEvent('UserRegistered')], { expectedRevision: 'no_stream' });
    const conditioned = (client: Client) =>
      client.query(
        `SELECT * FROM append_batch(ARRAY[1, 1], ARRAY[$1, $2], ARRAY[0, -2]::bigint[], ARRAY[2],
                                    ARRAY[$3]::uuid[], ARRAY['CertificateIssued'], ARRAY['{}']::jsonb[],
                                    ARRAY['{}']::jsonb[])`,
        [user, `certificate-${randomUUID()}`, randomUUID()],
      );
    await holder.query('BEGIN');
    await conditioned(holder);
    await legacy.query('BEGIN');
    await conditioned(legacy); // would hang here if conditions took the lock exclusively
    expect(await lockWaiters()).toEqual([]);
    await Promise.all([holder.query('COMMIT'), legacy.query('COMMIT')]);
  });
});
