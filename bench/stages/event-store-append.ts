/**
 * Appends through the event store port, one new stream per append, at 1 to 64 writers; compared to the
 * single-row INSERT baseline at the same concurrency. Then what holding a decision's reads at commit costs:
 * the same appends at 32 writers, each on the condition that two streams it "read" (an actor's and an
 * owner's, from a pool of 1,000) are still at their revision — what a command's commit does since
 * 2026-12 (the PostgreSQL store locks what a condition reads, so it holds at commit).
 */
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@certm3/event-store';
import { ratio, runClosedLoop } from '../measure';
import { scratchDatabase } from '../support/scratch';
import { PostgresBaselines } from './postgres-baselines';

export async function eventStoreAppend(singleRowInsert: PostgresBaselines['singleRowInsert']) {
  const db = await scratchDatabase('bench_append');
  const store = await PostgresEventStore.connect({ url: db.url, poolSize: 64 });
  const append = (index: number) => {
    const id = randomUUID();
    return store.append(
      `bench-${id}`,
      [
        {
          id,
          type: 'UserRegistered',
          data: { userId: id, index, email: `${id}@example.com` },
          metadata: { commandId: id, occurredAt: new Date().toISOString() },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  };
  const byConcurrency: Record<string, unknown> = {};
  for (const concurrency of [1, 16, 32, 64])
    byConcurrency[`c${concurrency}`] = await runClosedLoop(
      concurrency,
      concurrency === 1 ? 3_000 : 12_000,
      append,
      10,
    );
  const heldStreams = Array.from({ length: 1_000 }, () => `bench-read-${randomUUID()}`);
  for (const streamId of heldStreams)
    await store.append(
      streamId,
      [
        {
          id: randomUUID(),
          type: 'UserRegistered',
          data: {},
          metadata: { occurredAt: new Date().toISOString() },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  const pick = () => heldStreams[Math.floor(Math.random() * heldStreams.length)];
  const appendHoldingReads = async (index: number) => {
    const id = randomUUID();
    const [actor, owner] = [pick(), pick()];
    return store.appendToStreams(
      [
        {
          streamId: `bench-${id}`,
          expectedRevision: 'no_stream',
          events: [
            {
              id,
              type: 'CertificateRegistered',
              data: { certificateId: id, index },
              metadata: { commandId: id, occurredAt: new Date().toISOString() },
            },
          ],
        },
      ],
      {
        conditions:
          actor === owner
            ? [{ streamId: actor, expectedRevision: 0n }]
            : [
                { streamId: actor, expectedRevision: 0n },
                { streamId: owner, expectedRevision: 0n },
              ],
      },
    );
  };
  const holdingReadsC32 = await runClosedLoop(32, 12_000, appendHoldingReads, 10);
  await store.close();
  const rates = byConcurrency as Record<
    'c1' | 'c16' | 'c32' | 'c64',
    Awaited<ReturnType<typeof runClosedLoop>>
  >;
  return {
    ...rates,
    ratioToSingleRowInsertC1: ratio(rates.c1.perSecond, singleRowInsert.c1.perSecond),
    ratioToSingleRowInsertC32: ratio(rates.c32.perSecond, singleRowInsert.c32.perSecond),
    holdingTwoReadsC32: holdingReadsC32,
    holdingTwoReadsRatioToPlainC32: ratio(holdingReadsC32.perSecond, rates.c32.perSecond),
  };
}

export type EventStoreAppend = Awaited<ReturnType<typeof eventStoreAppend>>;
