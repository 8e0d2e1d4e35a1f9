import { randomUUID } from 'node:crypto';
import { OlderTransaction } from '@certm3/test-support/older-transaction';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { ReadAllUnsettledError } from '../errors';
import { collect, RecordedEvent, serializePosition } from '../port';
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
  let holder: OlderTransaction;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_settle');
    store = await PostgresEventStore.connect({ url: database.url });
    holder = await OlderTransaction.connect(database.url);
  });
  afterAll(async () => {
    await holder.close();
    await store.close();
    await database.drop();
  });

  it('returns events committed before it began once the older transaction ends; settle:false does not wait', async () => {
    await holder.begin();
    const stream = `committed-${randomUUID()}`;
    await store.append(stream, [{ id: randomUUID(), type: 'Committed', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });

    const ours = (events: { streamId: string }[]) => events.filter((event) => event.streamId === stream);
    expect(ours(await collect(store.readAll({ settle: false })))).toEqual([]);

    const reading = collect(store.readAll());
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.commit();
    expect(ours(await reading)).toHaveLength(1);
  });

  // Regression (flaky in CI, 2026-11-29): readAll read its last page, then found every older transaction
  // ended and stopped; one that committed between the two had released events the page could not yet see,
  // and the read ended without them. The interleaving is forced here by committing just before the check.
  it('reads once more after the older transactions end, so events they released between its checks are not lost', async () => {
    await holder.begin();
    const stream = `released-${randomUUID()}`;
    await store.append(stream, [{ id: randomUUID(), type: 'Committed', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });
    const internals = store as unknown as { snapshotBound(bound: 'xmin' | 'xmax'): Promise<bigint> };
    const snapshotBound = internals.snapshotBound.bind(store);
    let committedAtCheck = false;
    const check = jest.spyOn(internals, 'snapshotBound').mockImplementation(async (bound) => {
      if (bound === 'xmin' && !committedAtCheck) {
        committedAtCheck = true;
        await holder.commit();
      }
      return snapshotBound(bound);
    });

    try {
      const read = await collect(store.readAll());
      expect(committedAtCheck).toBe(true);
      expect(read.filter((event) => event.streamId === stream)).toHaveLength(1);
    } finally {
      check.mockRestore();
    }
  });

  // Regression: past its wait, readAll ended with the certain prefix without a word, so an export taken
  // while a long transaction was open looked complete and was not.
  it('says so, when asked, if the older transaction outlasts the wait; by default it ends with the certain prefix', async () => {
    const impatient = await PostgresEventStore.connect({ url: database.url, readAllSettleMs: 200 });
    try {
      const before = `before-${randomUUID()}`;
      const { position } = await impatient.append(
        before,
        [{ id: randomUUID(), type: 'Committed', data: {}, metadata: {} }],
        { expectedRevision: 'no_stream' },
      );
      // Certain before the holder opens: a transaction elsewhere on the server (another test file's
      // CREATE DATABASE) may still be running, and would keep it out of the 200 ms prefix below.
      await collect(store.readAll({ from: position }));
      await holder.begin();
      await impatient.append(
        `after-${randomUUID()}`,
        [{ id: randomUUID(), type: 'Committed', data: {}, metadata: {} }],
        {
          expectedRevision: 'no_stream',
        },
      );

      const prefix = await collect(impatient.readAll());
      expect(prefix.some((event) => event.streamId === before)).toBe(true);

      const delivered: RecordedEvent[] = [];
      let failure: unknown;
      try {
        for await (const event of impatient.readAll({ whenUnsettled: 'fail' })) delivered.push(event);
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(ReadAllUnsettledError);
      expect(delivered).toEqual(prefix);
      const last = delivered[delivered.length - 1].position;
      expect((failure as ReadAllUnsettledError).deliveredThrough).toEqual(last);
      expect((failure as Error).message).toContain(`complete only up to ${serializePosition(last)}`);
    } finally {
      await holder.commit();
      await impatient.close();
    }
  });
});
