import { randomUUID } from 'node:crypto';
import { InvalidAppendError, StreamNotFoundError, WrongExpectedRevisionError } from '../errors';
import {
  AllSubscription,
  collect,
  comparePositions,
  EventStore,
  EventToAppend,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  serializePosition,
} from '../port';

/**
 * The behaviour every event store adapter must have, written once. An adapter's spec calls this with a
 * factory for a store on empty storage; the cases use their own stream names so they may share it.
 */
export interface ContractSubject {
  readonly store: EventStore;
  /** Pages smaller than this many events are read in one query; the paging cases go past it. */
  readonly pageSize: number;
  /** What the adapter must declare as `conditionsHoldAtCommit` (its spec says; the contract checks). */
  readonly conditionsHoldAtCommit: boolean;
}

export function describeEventStoreContract(
  adapterName: string,
  open: () => Promise<ContractSubject>,
  close: () => Promise<void>,
): void {
  describe(`event store contract: ${adapterName}`, () => {
    let store: EventStore;
    let pageSize: number;
    let conditionsHoldAtCommit: boolean;

    beforeAll(async () => {
      ({ store, pageSize, conditionsHoldAtCommit } = await open());
    });
    afterAll(async () => {
      await close();
    });

    const stream = (label: string) => `contract-${label}-${randomUUID()}`;
    const event = (type = 'SomethingHappened', data: Record<string, unknown> = {}): EventToAppend => ({
      id: randomUUID(),
      type,
      data: { ...data } as EventToAppend['data'],
      metadata: { correlationId: randomUUID() },
    });
    const events = (count: number, type = 'SomethingHappened') =>
      Array.from({ length: count }, (_, index) => event(type, { index }));

    /**
     * Returns once a forwards read from `position` has settled: on PostgreSQL, once every transaction older
     * than that read has ended (at once elsewhere). Reads of the head — backwards from the end, a
     * subscription from 'end' — go only as far as no open transaction can precede, and on a shared server any
     * transaction (another test file's CREATE DATABASE) holds them back for as long as it runs.
     */
    async function settledPast(position: GlobalPosition): Promise<void> {
      await collect(store.readAll({ from: position }));
    }

    async function expectWrongRevision(
      promise: Promise<unknown>,
      actual: bigint | 'no_stream',
    ): Promise<void> {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toEqual(actual);
    }

    describe('expected revision: no_stream', () => {
      it('creates a stream and returns the revision of its last event', async () => {
        const id = stream('no-stream');
        const result = await store.append(id, events(3), { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(2n);
      });

      it('refuses a stream that already has events', async () => {
        const id = stream('no-stream-exists');
        await store.append(id, events(2), { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.append(id, events(1), { expectedRevision: 'no_stream' }), 1n);
      });
    });

    describe('expected revision: stream_exists', () => {
      it('refuses a stream with no events', async () => {
        await expectWrongRevision(
          store.append(stream('exists-missing'), events(1), { expectedRevision: 'stream_exists' }),
          'no_stream',
        );
      });

      it('appends to a stream that has events', async () => {
        const id = stream('exists');
        await store.append(id, events(1), { expectedRevision: 'no_stream' });
        const result = await store.append(id, events(2), { expectedRevision: 'stream_exists' });
        expect(result.nextRevision).toBe(2n);
      });
    });

    describe('expected revision: any', () => {
      it('creates a missing stream and appends to an existing one', async () => {
        const id = stream('any');
        expect((await store.append(id, events(1), { expectedRevision: 'any' })).nextRevision).toBe(0n);
        expect((await store.append(id, events(1), { expectedRevision: 'any' })).nextRevision).toBe(1n);
      });
    });

    describe('expected revision: exact', () => {
      it('appends when the stream is at that revision', async () => {
        const id = stream('exact');
        await store.append(id, events(2), { expectedRevision: 'no_stream' });
        const result = await store.append(id, events(1), { expectedRevision: 1n });
        expect(result.nextRevision).toBe(2n);
      });

      it('refuses a stale revision and reports the actual one', async () => {
        const id = stream('exact-stale');
        await store.append(id, events(3), { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.append(id, events(1), { expectedRevision: 0n }), 2n);
      });

      it('refuses a revision ahead of the stream', async () => {
        const id = stream('exact-ahead');
        await store.append(id, events(1), { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.append(id, events(1), { expectedRevision: 5n }), 0n);
      });

      it('refuses an exact revision on a stream with no events', async () => {
        await expectWrongRevision(
          store.append(stream('exact-missing'), events(1), { expectedRevision: 0n }),
          'no_stream',
        );
      });

      it('writes nothing from a refused append', async () => {
        const id = stream('exact-atomic');
        await store.append(id, events(1), { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.append(id, events(3), { expectedRevision: 7n }), 0n);
        expect(await collect(store.readStream(id))).toHaveLength(1);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of many concurrent appends at the same revision win', async () => {
        const id = stream('race-exact');
        await store.append(id, events(1), { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, () => store.append(id, events(1), { expectedRevision: 0n })),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await collect(store.readStream(id))).toHaveLength(2);
      });

      it('lets exactly one of many concurrent creations of the same stream win', async () => {
        const id = stream('race-create');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, () => store.append(id, events(2), { expectedRevision: 'no_stream' })),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        expect(await collect(store.readStream(id))).toHaveLength(2);
      });

      it('fails exactly the stale ones among many concurrent appends to distinct streams', async () => {
        const existing = Array.from({ length: 40 }, (_, index) => stream(`race-mixed-${index}`));
        await Promise.all(
          existing.map((id) => store.append(id, events(1), { expectedRevision: 'no_stream' })),
        );
        // Every third append expects a revision its stream is not at; some go to several streams at once.
        const outcomes = await Promise.allSettled(
          existing.map((id, index) =>
            index % 4 === 0
              ? store.appendToStreams([
                  { streamId: id, events: events(2), expectedRevision: index % 3 === 0 ? 5n : 0n },
                  { streamId: stream('race-mixed-new'), events: events(1), expectedRevision: 'no_stream' },
                ])
              : store.append(id, events(2), { expectedRevision: index % 3 === 0 ? 5n : 0n }),
          ),
        );
        for (const [index, outcome] of outcomes.entries()) {
          if (index % 3 === 0) {
            expect(outcome.status).toBe('rejected');
            expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
            expect(((outcome as PromiseRejectedResult).reason as WrongExpectedRevisionError).actual).toBe(0n);
          } else {
            expect(outcome.status).toBe('fulfilled');
          }
        }
        const lengths = await Promise.all(
          existing.map(async (id) => (await collect(store.readStream(id))).length),
        );
        expect(lengths).toEqual(existing.map((_, index) => (index % 3 === 0 ? 1 : 3)));
      });

      it('gives concurrent appends with any expectation distinct, gap-free revisions', async () => {
        const id = stream('race-any');
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.append(id, events(2), { expectedRevision: 'any' })),
        );
        const lastRevisions = results.map((result) => result.nextRevision).sort((a, b) => (a < b ? -1 : 1));
        expect(lastRevisions).toEqual(Array.from({ length: 20 }, (_, index) => BigInt(index * 2 + 1)));
        const recorded = await collect(store.readStream(id));
        expect(recorded.map((e) => e.revision)).toEqual(
          Array.from({ length: 40 }, (_, index) => BigInt(index)),
        );
      });
    });

    describe('appending to several streams', () => {
      it('appends to each stream in order and returns one result per stream', async () => {
        const [a, b, c] = [stream('multi-a'), stream('multi-b'), stream('multi-c')];
        await store.append(b, events(2), { expectedRevision: 'no_stream' });
        const results = await store.appendToStreams([
          { streamId: a, events: events(3), expectedRevision: 'no_stream' },
          { streamId: b, events: events(1), expectedRevision: 1n },
          { streamId: c, events: events(1), expectedRevision: 'any' },
        ]);
        expect(results.map((result) => result.nextRevision)).toEqual([2n, 2n, 0n]);
        expect(comparePositions(results[0].position, results[1].position)).toBeLessThan(0);
        expect(comparePositions(results[1].position, results[2].position)).toBeLessThan(0);
        expect((await collect(store.readStream(a))).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(await collect(store.readStream(b))).toHaveLength(3);
        expect(await collect(store.readStream(c))).toHaveLength(1);
      });

      it('reports the stream whose expectation is stale', async () => {
        const [a, b] = [stream('multi-stale-a'), stream('multi-stale-b')];
        await store.append(b, events(1), { expectedRevision: 'no_stream' });
        const error = await store
          .appendToStreams([
            { streamId: a, events: events(1), expectedRevision: 'no_stream' },
            { streamId: b, events: events(1), expectedRevision: 'no_stream' },
          ])
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).streamId).toBe(b);
        expect((error as WrongExpectedRevisionError).actual).toBe(0n);
        if (store.multiStreamAppendIsAtomic) {
          // Atomic: the first stream's append went with the refused one.
          await expect(collect(store.readStream(a))).rejects.toBeInstanceOf(StreamNotFoundError);
        } else {
          // One after the other: the first one stands; the caller resumes from there.
          expect(await collect(store.readStream(a))).toHaveLength(1);
        }
      });

      it('lets exactly one of many concurrent multi-stream creations win', async () => {
        const [a, b] = [stream('multi-race-a'), stream('multi-race-b')];
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            store.appendToStreams([
              { streamId: a, events: events(1), expectedRevision: 'no_stream' },
              { streamId: b, events: events(1), expectedRevision: 'no_stream' },
            ]),
          ),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await collect(store.readStream(a))).toHaveLength(1);
        expect(await collect(store.readStream(b))).toHaveLength(1);
      });

      it('goes ahead when its conditions hold, writing nothing to their streams', async () => {
        const [watched, missing, target] = [stream('cond-w'), stream('cond-m'), stream('cond-t')];
        await store.append(watched, events(2), { expectedRevision: 'no_stream' });
        const results = await store.appendToStreams(
          [{ streamId: target, events: events(1), expectedRevision: 'no_stream' }],
          {
            conditions: [
              { streamId: watched, expectedRevision: 1n },
              { streamId: missing, expectedRevision: 'no_stream' },
            ],
          },
        );
        expect(results.map((result) => result.nextRevision)).toEqual([0n]);
        expect(await collect(store.readStream(watched))).toHaveLength(2);
        await expect(collect(store.readStream(missing))).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('refuses on a stale condition, names its stream, and writes nothing', async () => {
        const [watched, target] = [stream('cond-stale-w'), stream('cond-stale-t')];
        await store.append(watched, events(3), { expectedRevision: 'no_stream' });
        const error = await store
          .appendToStreams([{ streamId: target, events: events(1), expectedRevision: 'no_stream' }], {
            conditions: [{ streamId: watched, expectedRevision: 1n }],
          })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).streamId).toBe(watched);
        expect((error as WrongExpectedRevisionError).actual).toBe(2n);
        await expect(collect(store.readStream(target))).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('declares whether conditions hold at commit', () => {
        expect(store.conditionsHoldAtCommit).toBe(conditionsHoldAtCommit);
        // Holding a condition until "the" commit presupposes that the appends commit as one.
        if (store.conditionsHoldAtCommit) expect(store.multiStreamAppendIsAtomic).toBe(true);
      });

      it('races conditioned appends against an append to their condition stream: each goes ahead or is refused on it', async () => {
        const watched = stream('cond-race-w');
        await store.append(watched, events(1), { expectedRevision: 'no_stream' });
        const targets = Array.from({ length: 40 }, (_, index) => stream(`cond-race-t${index}`));
        const conditioned = targets.map((target) =>
          store.appendToStreams([{ streamId: target, events: events(1), expectedRevision: 'no_stream' }], {
            conditions: [{ streamId: watched, expectedRevision: 0n }],
          }),
        );
        const moved = store.append(watched, events(1, 'Moved'), { expectedRevision: 0n });
        const outcomes = await Promise.allSettled(conditioned);
        const { nextRevision, position: movedAt } = await moved;
        expect(nextRevision).toBe(1n);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') {
            // Held at commit: in the global order, every append that went ahead comes before the move.
            if (store.conditionsHoldAtCommit)
              expect(comparePositions(outcome.value[0].position, movedAt)).toBeLessThan(0);
            continue;
          }
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect(outcome.reason).toMatchObject({ streamId: watched, actual: 1n });
        }
      });

      it('refuses an empty list and a stream named twice', async () => {
        await expect(store.appendToStreams([])).rejects.toBeInstanceOf(InvalidAppendError);
        const id = stream('multi-twice');
        await expect(
          store.appendToStreams([
            { streamId: id, events: events(1), expectedRevision: 'any' },
            { streamId: id, events: events(1), expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.appendToStreams([{ streamId: id, events: events(1), expectedRevision: 'any' }], {
            conditions: [{ streamId: id, expectedRevision: 'no_stream' }],
          }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(collect(store.readStream(id))).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('reading a stream', () => {
      it('returns every field as appended', async () => {
        const id = stream('fields');
        const appended = event('UserRegistered', {
          email: 'a@example.com',
          nested: { list: [1, 'two', null] },
        });
        const result = await store.append(id, [appended], { expectedRevision: 'no_stream' });
        const [recorded] = await collect(store.readStream(id));
        expect(recorded).toMatchObject({
          id: appended.id,
          type: 'UserRegistered',
          data: appended.data,
          metadata: appended.metadata,
          streamId: id,
          revision: 0n,
        });
        expect(recorded.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(recorded.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
        expect(comparePositions(recorded.position, result.position)).toBe(0);
      });

      it('reads forwards and backwards, from a revision, up to a count', async () => {
        const id = stream('directions');
        await store.append(id, events(10), { expectedRevision: 'no_stream' });
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await collect(store.readStream(id, options))).map((e) => Number(e.revision));
        expect(await revisions({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(await revisions({ fromRevision: 4n, maxCount: 3 })).toEqual([4, 5, 6]);
        expect(await revisions({ direction: 'backwards', fromRevision: 4n })).toEqual([4, 3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([9, 8]);
        expect(await revisions({ fromRevision: 'start', maxCount: 1 })).toEqual([0]);
        expect(await revisions({ fromRevision: 20n })).toEqual([]);
      });

      it('pages through a stream longer than one page', async () => {
        const id = stream('paging');
        const total = pageSize * 2 + 3;
        for (let written = 0; written < total; written += 50) {
          await store.append(id, events(Math.min(50, total - written)), { expectedRevision: 'any' });
        }
        const forwards = await collect(store.readStream(id));
        expect(forwards.map((e) => Number(e.revision))).toEqual(
          Array.from({ length: total }, (_, index) => index),
        );
        const backwards = await collect(store.readStream(id, { direction: 'backwards' }));
        expect(backwards.map((e) => Number(e.revision))).toEqual(
          Array.from({ length: total }, (_, index) => total - 1 - index),
        );
      });

      it('reads several whole streams at once, a missing one as empty', async () => {
        const [a, b, missing] = [stream('many-a'), stream('many-b'), stream('many-missing')];
        await store.append(a, events(pageSize + 3), { expectedRevision: 'no_stream' });
        await store.append(b, events(2), { expectedRevision: 'no_stream' });
        const read = await store.readStreams([b, missing, a]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(a)!.map((e) => e.revision)).toEqual(
          Array.from({ length: pageSize + 3 }, (_, index) => BigInt(index)),
        );
        expect(read.get(b)!.map((e) => e.data)).toEqual([{ index: 0 }, { index: 1 }]);
        expect(read.get(missing)).toEqual([]);
      });

      it('reports a stream that has no events as not found', async () => {
        await expect(collect(store.readStream(stream('missing')))).rejects.toBeInstanceOf(
          StreamNotFoundError,
        );
        await expect(
          collect(store.readStream(stream('missing'), { direction: 'backwards' })),
        ).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('the global log', () => {
      async function ourEvents(prefix: string, options: Parameters<EventStore['readAll']>[0] = {}) {
        const all = await collect(store.readAll(options));
        return all.filter((e) => e.streamId.startsWith(prefix));
      }

      it('returns append positions that increase with each append', async () => {
        const prefix = stream('order');
        const positions: GlobalPosition[] = [];
        for (let index = 0; index < 5; index++) {
          positions.push(
            (await store.append(`${prefix}-${index % 2}`, events(1), { expectedRevision: 'any' })).position,
          );
        }
        for (let index = 1; index < positions.length; index++) {
          expect(comparePositions(positions[index - 1], positions[index])).toBe(-1);
        }
      });

      it('reads all events in the order they were committed, in both directions', async () => {
        const prefix = stream('read-all');
        const ids: string[] = [];
        for (let index = 0; index < 6; index++) {
          const batch = events(2);
          ids.push(...batch.map((e) => e.id));
          await store.append(`${prefix}-${index % 3}`, batch, { expectedRevision: 'any' });
        }
        const forwards = await ourEvents(prefix);
        expect(forwards.map((e) => e.id)).toEqual(ids);
        assertStrictlyIncreasing(forwards);
        // Nothing older is open: a read that must not stop short reads the same.
        expect((await ourEvents(prefix, { whenUnsettled: 'fail' })).map((e) => e.id)).toEqual(ids);
        const backwards = await ourEvents(prefix, { direction: 'backwards' });
        expect(backwards.map((e) => e.id)).toEqual([...ids].reverse());
      });

      it('reads strictly after a position forwards and strictly before it backwards', async () => {
        const prefix = stream('read-all-from');
        const positions: GlobalPosition[] = [];
        for (let index = 0; index < 4; index++) {
          positions.push((await store.append(`${prefix}`, events(1), { expectedRevision: 'any' })).position);
        }
        const after = await ourEvents(prefix, { from: positions[1] });
        expect(after.map((e) => Number(e.revision))).toEqual([2, 3]);
        const before = await ourEvents(prefix, { from: positions[2], direction: 'backwards' });
        expect(before.map((e) => Number(e.revision))).toEqual([1, 0]);
        const limited = await collect(store.readAll({ from: positions[0], maxCount: 2 }));
        expect(limited).toHaveLength(2);
        expect(limited[0].streamId).toBe(prefix);
        expect(limited[0].revision).toBe(1n);
      });

      it('reads the newest event first when reading backwards from the end', async () => {
        const id = stream('newest');
        const { position } = await store.append(id, events(1, 'Newest'), { expectedRevision: 'no_stream' });
        await settledPast(position);
        const [last] = await collect(store.readAll({ direction: 'backwards', maxCount: 1 }));
        expect(last.streamId).toBe(id);
      });

      it('round-trips positions through their text form', async () => {
        const { position } = await store.append(stream('serialize'), events(1), {
          expectedRevision: 'no_stream',
        });
        expect(comparePositions(parsePosition(serializePosition(position)), position)).toBe(0);
      });
    });

    describe('subscribing to all', () => {
      let subscriptions: AllSubscription[] = [];
      afterEach(async () => {
        await Promise.all(subscriptions.map((subscription) => subscription.close()));
        subscriptions = [];
      });
      const subscribe = (from?: GlobalPosition | 'start' | 'end') => {
        const subscription = store.subscribeToAll({ from });
        subscriptions.push(subscription);
        return subscription;
      };

      /** Pulls events until `done` says so, keeping only those of `prefix`; fails after `timeoutMs`. */
      async function take(
        subscription: AllSubscription,
        prefix: string,
        done: (seen: RecordedEvent[]) => boolean,
        timeoutMs = 20_000,
      ): Promise<RecordedEvent[]> {
        const seen: RecordedEvent[] = [];
        const iterator = subscription[Symbol.asyncIterator]();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out with ${seen.length} events of ${prefix}`)),
            timeoutMs,
          );
        });
        try {
          while (!done(seen)) {
            const next = await Promise.race([iterator.next(), timeout]);
            if (next.done) break;
            if (next.value.streamId.startsWith(prefix)) seen.push(next.value);
          }
        } finally {
          clearTimeout(timer);
        }
        return seen;
      }

      it('catches up, then goes live through a burst of concurrent appends, missing and repeating nothing', async () => {
        const prefix = stream('burst');
        const before = await store.append(`${prefix}-history`, events(30), { expectedRevision: 'no_stream' });
        const subscription = subscribe('start');
        const appended: string[] = [];
        const writers = Array.from({ length: 10 }, async (_, writer) => {
          for (let round = 0; round < 10; round++) {
            const batch = events(1 + (round % 3));
            await store.append(`${prefix}-w${writer}`, batch, { expectedRevision: 'any' });
            appended.push(...batch.map((e) => e.id));
          }
        });
        const expectedTotal = 30 + 10 * (4 * 1 + 3 * 2 + 3 * 3);
        const receiving = take(subscription, prefix, (seen) => seen.length >= expectedTotal);
        await Promise.all(writers);
        const received = await receiving;

        expect(received).toHaveLength(expectedTotal);
        expect(new Set(received.map((e) => e.id)).size).toBe(expectedTotal);
        expect(new Set(received.map((e) => e.id))).toEqual(
          new Set([...(await collect(store.readStream(`${prefix}-history`))).map((e) => e.id), ...appended]),
        );
        assertStrictlyIncreasing(received);
        assertStreamsInRevisionOrder(received);
        expect(comparePositions(received[29].position, before.position)).toBe(0);
      });

      it('resumes strictly after a checkpoint', async () => {
        const id = stream('resume');
        await store.append(id, events(10), { expectedRevision: 'no_stream' });
        const first = await take(subscribe('start'), id, (seen) => seen.length >= 4);
        const checkpoint = parsePosition(serializePosition(first[3].position));
        await store.append(id, events(2), { expectedRevision: 9n });
        const resumed = await take(subscribe(checkpoint), id, (seen) => seen.length >= 8);
        expect(resumed.map((e) => Number(e.revision))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
      });

      it('from the end, delivers only events appended after subscribing', async () => {
        const id = stream('from-end');
        const { position } = await store.append(id, events(3), { expectedRevision: 'no_stream' });
        await settledPast(position);
        const subscription = subscribe('end');
        const receiving = take(subscription, id, (seen) => seen.length >= 1);
        // Give the subscription time to settle on the current head before the new event exists.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await store.append(id, events(1, 'AfterSubscribing'), { expectedRevision: 2n });
        const [received] = await receiving;
        expect(received.type).toBe('AfterSubscribing');
        expect(received.revision).toBe(3n);
      });

      it('delivers a live event within milliseconds (reported, not asserted)', async () => {
        const id = stream('latency');
        const subscription = subscribe('end');
        const samples: number[] = [];
        const iterator = subscription[Symbol.asyncIterator]();
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (let index = 0; index < 10; index++) {
          const started = performance.now();
          await store.append(id, events(1), { expectedRevision: 'any' });
          for (;;) {
            const next = await iterator.next();
            if (next.done) throw new Error('subscription ended');
            if (next.value.streamId === id) break;
          }
          samples.push(performance.now() - started);
        }
        samples.sort((a, b) => a - b);
        process.stdout.write(
          `[${adapterName}] append-to-live-delivery latency over ${samples.length} events: median ${samples[5].toFixed(1)} ms, max ${samples[9].toFixed(1)} ms\n`,
        );
        expect(samples).toHaveLength(10);
      });

      it('ends iteration once closed, including a pull that is waiting for events', async () => {
        const id = stream('close');
        const subscription = subscribe('end');
        const iterator = subscription[Symbol.asyncIterator]();
        // Pull until the subscription is idle and waiting; then close it under that pending pull.
        const pull = async (): Promise<IteratorResult<RecordedEvent>> => iterator.next();
        let pending = pull();
        for (;;) {
          const settled = await Promise.race([
            pending,
            new Promise((resolve) => setTimeout(() => resolve('idle'), 300)),
          ]);
          if (settled === 'idle') break;
          pending = pull();
        }
        await subscription.close();
        await expect(pending).resolves.toEqual({ done: true, value: undefined });
        await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
        await store.append(id, events(1), { expectedRevision: 'no_stream' });
        await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
      });
    });

    describe('refusing malformed appends', () => {
      it('refuses an append with no events', async () => {
        await expect(store.append(stream('empty'), [], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
      });

      it('refuses an event id that is not a UUID', async () => {
        await expect(
          store.append(stream('bad-id'), [{ ...event(), id: 'not-a-uuid' }], { expectedRevision: 'any' }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
      });

      it('refuses stream ids and event types reserved for the store', async () => {
        await expect(store.append('$system', [event()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(
          store.append(stream('reserved-type'), [event('$metadata')], { expectedRevision: 'any' }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
      });

      // PostgreSQL refused such text as a driver error (and one such append failed those batched with it);
      // EventStoreDB took it, and the PostgreSQL read models could then never project the event.
      it('refuses text PostgreSQL cannot store (NUL, unpaired surrogates) anywhere in an event, naming where', async () => {
        const id = stream('nul');
        const cases: [Partial<EventToAppend>, string][] = [
          [{ data: { note: 'a\u0000b' } }, 'data.note'],
          [{ data: { list: ['ok', { deep: '\u0000' }] } }, 'data.list[1].deep'],
          [{ data: { 'k\u0000': 1 } }, 'data (a key)'],
          [{ metadata: { actorId: '\u0000' } }, 'metadata.actorId'],
          [{ type: 'Bad\u0000Type' }, 'type'],
          [{ data: { note: 'half \ud83d of an emoji' } }, 'data.note'],
          [{ data: { note: '\udc00' } }, 'data.note'],
        ];
        for (const [change, where] of cases) {
          const refused = store.append(id, [{ ...event(), ...change }], { expectedRevision: 'any' });
          await expect(refused).rejects.toBeInstanceOf(InvalidAppendError);
          await expect(refused).rejects.toThrow(`${where} contains`);
        }
        for (const badStreamId of [`${id}-\u0000`, `${id}-\ud800`])
          await expect(
            store.append(badStreamId, [event()], { expectedRevision: 'any' }),
          ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(collect(store.readStream(id))).rejects.toBeInstanceOf(StreamNotFoundError);
        // A whole surrogate pair is Unicode text like any other.
        await store.append(id, [{ ...event(), data: { note: 'emoji 😀' } }], {
          expectedRevision: 'no_stream',
        });
        const [stored] = await collect(store.readStream(id));
        expect(stored.data).toEqual({ note: 'emoji 😀' });
      });
    });
  });
}

function assertStrictlyIncreasing(recorded: readonly RecordedEvent[]): void {
  for (let index = 1; index < recorded.length; index++) {
    if (comparePositions(recorded[index - 1].position, recorded[index].position) >= 0) {
      throw new Error(
        `positions out of order at ${index}: ${serializePosition(recorded[index - 1].position)} then ${serializePosition(recorded[index].position)}`,
      );
    }
  }
}

function assertStreamsInRevisionOrder(recorded: readonly RecordedEvent[]): void {
  const last = new Map<string, bigint>();
  for (const event of recorded) {
    const previous = last.get(event.streamId) ?? -1n;
    expect(event.revision).toBe(previous + 1n);
    last.set(event.streamId, event.revision);
  }
}
