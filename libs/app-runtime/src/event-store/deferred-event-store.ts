import {
  AllSubscription,
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamCondition,
  SubscribeToAllOptions,
} from '@certm3/event-store';
import { RetryingConnection } from '../dependencies/retrying-connection';

/**
 * The event store as a process sees it from its first instant: calls made before the store has answered
 * fail with EventStoreUnavailableError (a command gets UNAVAILABLE, a projector retries), and a
 * subscription waits for it. Once connected, every call goes straight to the real adapter.
 */
export class DeferredEventStore implements EventStore {
  constructor(
    private readonly connection: RetryingConnection<EventStore>,
    /** Known from the URL before the store answers (PostgreSQL: true; EventStoreDB: false). */
    readonly multiStreamAppendIsAtomic: boolean,
    /** Likewise (PostgreSQL: true, its appends lock what their conditions read; EventStoreDB: false). */
    readonly conditionsHoldAtCommit: boolean,
  ) {}

  /** Resolves once the store has answered (rejects if closed first). */
  async whenReady(): Promise<void> {
    await this.connection.whenReady();
  }

  private store(): EventStore {
    const store = this.connection.current;
    if (!store) throw new EventStoreUnavailableError(this.connection.describeUnavailability());
    return store;
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.store().append(streamId, events, options);
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options?: { readonly conditions?: readonly StreamCondition[] },
  ): Promise<AppendResult[]> {
    return this.store().appendToStreams(appends, options);
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    yield* this.store().readStream(streamId, options);
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    return this.store().readStreams(streamIds);
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    yield* this.store().readAll(options);
  }

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
    const connected = this.connection.current;
    if (connected) return connected.subscribeToAll(options);
    let inner: AllSubscription | undefined;
    let closeRequested!: () => void;
    const closed = new Promise<undefined>((resolve) => (closeRequested = () => resolve(undefined)));
    const connection = this.connection;
    async function* deliver(): AsyncGenerator<RecordedEvent, void, undefined> {
      const store = await Promise.race([connection.whenReady(), closed]);
      if (!store) return;
      inner = store.subscribeToAll(options);
      yield* inner;
    }
    const iterator = deliver();
    return {
      [Symbol.asyncIterator]: () => iterator,
      get position() {
        return inner?.position;
      },
      close: async () => {
        closeRequested();
        await inner?.close();
        await iterator.return(undefined);
      },
    };
  }

  async ping(): Promise<void> {
    await this.store().ping();
  }

  async close(): Promise<void> {
    await this.connection.close((store) => store.close());
  }
}
