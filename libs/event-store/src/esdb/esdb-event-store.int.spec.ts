import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { StreamDeletedError, EventStoreUnavailableError } from '../errors';
import { AllSubscription, collect, comparePositions, EventToAppend, RecordedEvent } from '../port';
import { EsdbEmulator } from '../testing/esdb-emulator/esdb-emulator';
import { EsdbEventStore } from './esdb-event-store';

const PAGE_SIZE = 50;

let emulator: EsdbEmulator;
let contractStore: EsdbEventStore;
describeEventStoreContract(
  'EventStoreDB adapter against the gRPC emulator',
  async () => {
    emulator = new EsdbEmulator();
    await emulator.start();
    contractStore = await EsdbEventStore.connect({ url: emulator.url, pageSize: PAGE_SIZE });
    return { store: contractStore, pageSize: PAGE_SIZE, conditionsHoldAtCommit: false };
  },
  async () => {
    await contractStore.close();
    await emulator.stop();
  },
);

// Against a real server wherever one is provided (docker compose up eventstore; GitHub Actions).
const realServerUrl = process.env.EVENTSTORE_TEST_URL;
if (realServerUrl) {
  let realStore: EsdbEventStore;
  describeEventStoreContract(
    `EventStoreDB adapter against the real server at ${realServerUrl}`,
    async () => {
      realStore = await EsdbEventStore.connect({ url: realServerUrl, pageSize: PAGE_SIZE });
      return { store: realStore, pageSize: PAGE_SIZE, conditionsHoldAtCommit: false };
    },
    async () => realStore.close(),
  );
}

const newEvents = (count: number, type = 'Happened'): EventToAppend[] =>
  Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type, data: { index }, metadata: {} }));

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function pump(subscription: AllSubscription, received: RecordedEvent[]): Promise<void> {
  return (async () => {
    for await (const event of subscription) received.push(event);
  })();
}

describe('EventStoreDB adapter: behaviour specific to EventStoreDB', () => {
  let server: EsdbEmulator;
  let store: EsdbEventStore;
  const subscriptions: AllSubscription[] = [];

  beforeEach(async () => {
    server = new EsdbEmulator();
    await server.start();
    store = await EsdbEventStore.connect({ url: server.url, reconnectDelayMs: 50, filterSearchWindow: 4 });
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
    await store.close();
    await server.stop();
  });
  const subscribe = (from?: Parameters<EsdbEventStore['subscribeToAll']>[0]) => {
    const subscription = store.subscribeToAll(from);
    subscriptions.push(subscription);
    return subscription;
  };

  it('never delivers system events to an all-stream subscriber, yet its position moves past them', async () => {
    const subscription = subscribe({ from: 'start' });
    const received: RecordedEvent[] = [];
    void pump(subscription, received);

    const { position: ours } = await store.append('orders-1', newEvents(1), {
      expectedRevision: 'no_stream',
    });
    await waitUntil(() => received.length === 1);
    for (let index = 0; index < 10; index++) server.writeSystemEvent();
    // Ten system events and no event of ours: only the server's filter checkpoints can move the position.
    await waitUntil(() => comparePositions(subscription.position!, ours) > 0);
    expect(received.map((event) => event.streamId)).toEqual(['orders-1']);

    await store.append('orders-1', newEvents(1, 'AfterSystemEvents'), { expectedRevision: 0n });
    await waitUntil(() => received.length === 2);
    expect(received.every((event) => !event.type.startsWith('$') && !event.streamId.startsWith('$'))).toBe(
      true,
    );
    expect(received[1].type).toBe('AfterSystemEvents');
  });

  it('leaves system events out of reads of the whole log', async () => {
    await store.append('orders-2', newEvents(2), { expectedRevision: 'no_stream' });
    server.writeSystemEvent();
    const all = await collect(store.readAll());
    expect(all.map((event) => event.streamId)).toEqual(['orders-2', 'orders-2']);
    expect(await collect(store.readAll({ direction: 'backwards' }))).toHaveLength(2);
  });

  it('resumes a subscription from its last position after the server restarts mid-stream, missing and repeating nothing', async () => {
    const subscription = subscribe({ from: 'start' });
    const received: RecordedEvent[] = [];
    void pump(subscription, received);

    await store.append('restart-a', newEvents(5), { expectedRevision: 'no_stream' });
    await waitUntil(() => received.length === 5);

    await server.stop();
    await expect(store.append('restart-a', newEvents(1), { expectedRevision: 4n })).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
    await server.start();

    // The client reconnects on the next call; appends made before the subscription is back must arrive too.
    let appended = false;
    for (let attempt = 0; attempt < 50 && !appended; attempt++) {
      try {
        await store.append('restart-a', newEvents(3), { expectedRevision: 4n });
        appended = true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(appended).toBe(true);
    await store.append('restart-b', newEvents(2), { expectedRevision: 'no_stream' });
    await waitUntil(() => received.length === 10);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(received).toHaveLength(10);
    expect(new Set(received.map((event) => event.id)).size).toBe(10);
    expect(received.filter((e) => e.streamId === 'restart-a').map((e) => Number(e.revision))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('reports a deleted stream as deleted on append and on read', async () => {
    await store.append('to-delete', newEvents(1), { expectedRevision: 'no_stream' });
    server.tombstone('to-delete');
    await expect(store.append('to-delete', newEvents(1), { expectedRevision: 'any' })).rejects.toBeInstanceOf(
      StreamDeletedError,
    );
    await expect(collect(store.readStream('to-delete'))).rejects.toBeInstanceOf(StreamDeletedError);
  });

  it('answers a retried append with the same event ids as the first time, writing nothing', async () => {
    const events = newEvents(2);
    const first = await store.append('retried', events, { expectedRevision: 'no_stream' });
    const retry = await store.append('retried', events, { expectedRevision: 'no_stream' });
    expect(retry.nextRevision).toBe(first.nextRevision);
    expect(comparePositions(retry.position, first.position)).toBe(0);
    expect(await collect(store.readStream('retried'))).toHaveLength(2);
  });

  // What `conditionsHoldAtCommit: false` means here, shown rather than claimed: the condition is a read
  // made before the appends, and a stream moving after that read does not stop them.
  it('goes ahead with a multi-stream append whose condition stream moved after the condition was read', async () => {
    await store.append('user-1', newEvents(1), { expectedRevision: 'no_stream' });
    const readStream = store.readStream.bind(store);
    const conditionRead = jest
      .spyOn(store, 'readStream')
      .mockImplementationOnce(async function* (streamId, options) {
        yield* readStream(streamId, options);
        // Another writer deactivates the user between the condition's read and the appends.
        await store.append('user-1', newEvents(1, 'UserDeactivated'), { expectedRevision: 0n });
      });
    try {
      await store.appendToStreams(
        [
          {
            streamId: 'certificate-1',
            events: newEvents(1, 'CertificateIssued'),
            expectedRevision: 'no_stream',
          },
        ],
        { conditions: [{ streamId: 'user-1', expectedRevision: 0n }] },
      );
      expect(conditionRead).toHaveBeenCalledWith('user-1', { direction: 'backwards', maxCount: 1 });
    } finally {
      conditionRead.mockRestore();
    }
    expect((await collect(store.readAll())).map((event) => event.type)).toEqual([
      'Happened',
      'UserDeactivated',
      'CertificateIssued',
    ]);
  });

  it('reports an unreachable server as unavailable', async () => {
    await server.stop();
    await expect(EsdbEventStore.connect({ url: server.url })).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
  });
});
