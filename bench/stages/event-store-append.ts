/**
 * Appends through the event store port, one new stream per append, at 1 to 64 writers; compared to the
 * single-row INSERT baseline at the same concurrency.
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
  await store.close();
  const rates = byConcurrency as Record<
    'c1' | 'c16' | 'c32' | 'c64',
    Awaited<ReturnType<typeof runClosedLoop>>
  >;
  return {
    ...rates,
    ratioToSingleRowInsertC1: ratio(rates.c1.perSecond, singleRowInsert.c1.perSecond),
    ratioToSingleRowInsertC32: ratio(rates.c32.perSecond, singleRowInsert.c32.perSecond),
  };
}

export type EventStoreAppend = Awaited<ReturnType<typeof eventStoreAppend>>;
