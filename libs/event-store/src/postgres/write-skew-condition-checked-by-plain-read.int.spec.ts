import { randomUUID } from 'node:crypto';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { WrongExpectedRevisionError } from '../errors';
import { AppendResult, collect, EventToAppend } from '../port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Regression (write skew): append_batch of schema version 3 checked a condition — a stream the command
 * read and decided on without writing to it — with a plain `SELECT max(stream_revision)` under READ
 * COMMITTED. A transaction could pass that check while another one was appending to the condition's
 * stream, and both committed: measured, 8 of 200 commands by a user landed after that user's
 * UserDeactivated. Version 4 holds a shared lock on each condition's stream from before the check until
 * commit, and appends take an exclusive one, so one of the two waits for the other and then sees it.
 */
describe('PostgreSQL event store: a condition holds at commit', () => {
  let database: ScratchDatabase;
  /** Two processes' worth of writers; each sends many appends at once. */
  let stores: PostgresEventStore[];

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_write_skew');
    stores = await Promise.all(
      [0, 1].map(() =>
        // readAll waits for transactions anywhere on the server older than it; on a busy shared server
        // (other test files creating databases) the default 5 s can run out and cut the log short.
        PostgresEventStore.connect({
          url: database.url,
          poolSize: 20,
          maxBatchesInFlight: 16,
          readAllSettleMs: 30_000,
        }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
  });

  const newEvent = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

  it('lands no conditioned append after an append to its condition stream that raced it', async () => {
    const [writers, mover] = stores;
    const rounds = 5;
    const perRound = 200;
    let succeeded = 0;
    let refused = 0;
    for (let round = 0; round < rounds; round++) {
      const user = `user-${randomUUID()}`;
      await mover.append(user, [newEvent('UserRegistered')], { expectedRevision: 'no_stream' });
      const certificates = Array.from({ length: perRound }, () => `certificate-${randomUUID()}`);

      // The user's deactivation goes out while the commands are in full flow, through the single-stream
      // function in odd rounds and append_batch (with a stream of its own) in even ones.
      let startMove!: () => void;
      const moveStarted = new Promise<void>((resolve) => (startMove = resolve));
      const moved: Promise<AppendResult> = moveStarted.then(async () =>
        round % 2 === 1
          ? mover.append(user, [newEvent('UserDeactivated')], { expectedRevision: 'any' })
          : (
              await mover.appendToStreams([
                { streamId: user, events: [newEvent('UserDeactivated')], expectedRevision: 0n },
                { streamId: `audit-${randomUUID()}`, events: [newEvent('Noted')], expectedRevision: 'any' },
              ])
            )[0],
      );
      // Half the appends go out first; the move and the other half leave once a quarter has settled, so
      // some appends always meet the move in flight (since conditions share batches, the first half alone
      // could all commit before it).
      const conditioned = (certificate: string) =>
        writers.appendToStreams(
          [{ streamId: certificate, events: [newEvent('CertificateIssued')], expectedRevision: 'no_stream' }],
          { conditions: [{ streamId: user, expectedRevision: 0n }] },
        );
      let settled = 0;
      let releaseSecondHalf!: () => void;
      const secondHalfReleased = new Promise<void>((resolve) => (releaseSecondHalf = resolve));
      const outcomes = await Promise.allSettled(
        certificates.map((certificate, index) =>
          (index < perRound / 2
            ? conditioned(certificate)
            : secondHalfReleased.then(() => conditioned(certificate))
          ).finally(() => {
            if (++settled === perRound / 4) {
              startMove();
              releaseSecondHalf();
            }
          }),
        ),
      );
      const { nextRevision } = await moved;
      expect(nextRevision).toBe(1n);

      const log = (await collect(writers.readAll())).filter(
        (event) => event.streamId === user || certificates.includes(event.streamId),
      );
      const deactivatedAt = log.findIndex((event) => event.type === 'UserDeactivated');
      expect(deactivatedAt).toBeGreaterThan(0);
      const landedAfter = log.slice(deactivatedAt + 1).map((event) => event.streamId);
      expect({ round, landedAfter }).toEqual({ round, landedAfter: [] });

      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') {
          succeeded++;
          continue;
        }
        refused++;
        expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(outcome.reason).toMatchObject({ streamId: user, actual: 1n });
      }
      const written = new Set(log.map((event) => event.streamId));
      expect(certificates.filter((id) => written.has(id))).toHaveLength(
        outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
      );
    }
    // The race really ran: commands went through on both sides of the move.
    expect(succeeded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  // Within one append_batch call every check runs before every insert, so the locks cannot help two
  // requests of the same call: the Coalescer must never put a condition in a batch with an append to its
  // stream. Here they queue together in one process, behind a round trip already out.
  it('never batches a condition with an append to its stream queued ahead of it', async () => {
    const store = await PostgresEventStore.connect({ url: database.url, maxBatchesInFlight: 1 });
    try {
      const user = `user-${randomUUID()}`;
      await store.append(user, [newEvent('UserRegistered')], { expectedRevision: 'no_stream' });
      const ahead = store.append(`other-${randomUUID()}`, [newEvent('Other')], {
        expectedRevision: 'no_stream',
      });
      const deactivated = store.append(user, [newEvent('UserDeactivated')], { expectedRevision: 0n });
      const issued = Array.from({ length: 5 }, () =>
        store.appendToStreams(
          [
            {
              streamId: `certificate-${randomUUID()}`,
              events: [newEvent('CertificateIssued')],
              expectedRevision: 'no_stream',
            },
          ],
          { conditions: [{ streamId: user, expectedRevision: 0n }] },
        ),
      );
      await Promise.all([ahead, deactivated]);
      for (const outcome of await Promise.allSettled(issued)) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ streamId: user, actual: 1n });
      }
    } finally {
      await store.close();
    }
  });

  it('never lets A (condition X, append Y) and B (condition Y, append X) both succeed', async () => {
    const [storeA, storeB] = stores;
    const rounds = 5;
    const pairs = 100;
    for (let round = 0; round < rounds; round++) {
      const streams = Array.from({ length: pairs }, () => ({
        x: `x-${randomUUID()}`,
        y: `y-${randomUUID()}`,
      }));
      await Promise.all(
        streams.flatMap(({ x, y }) => [
          storeA.append(x, [newEvent('Created')], { expectedRevision: 'no_stream' }),
          storeB.append(y, [newEvent('Created')], { expectedRevision: 'no_stream' }),
        ]),
      );
      const outcomes = await Promise.all(
        streams.map(({ x, y }) =>
          Promise.allSettled([
            storeA.appendToStreams([{ streamId: y, events: [newEvent('A')], expectedRevision: 0n }], {
              conditions: [{ streamId: x, expectedRevision: 0n }],
            }),
            storeB.appendToStreams([{ streamId: x, events: [newEvent('B')], expectedRevision: 0n }], {
              conditions: [{ streamId: y, expectedRevision: 0n }],
            }),
          ]),
        ),
      );
      const bothSucceeded = outcomes.filter(([a, b]) => a.status === 'fulfilled' && b.status === 'fulfilled');
      expect({ round, bothSucceeded: bothSucceeded.length }).toEqual({ round, bothSucceeded: 0 });
      for (const [index, [a, b]] of outcomes.entries()) {
        // Exactly one goes ahead; the other finds its condition moved by it.
        const { x, y } = streams[index];
        expect([a.status, b.status].filter((status) => status === 'fulfilled')).toHaveLength(1);
        const [loser, condition] = a.status === 'rejected' ? [a, x] : [b, y];
        expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((loser as PromiseRejectedResult).reason).toMatchObject({ streamId: condition, actual: 1n });
      }
    }
  });
});
