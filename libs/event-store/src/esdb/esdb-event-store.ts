import {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  Position,
  ResolvedEvent,
  START,
} from '@eventstore/db-client';
import {
  EventStoreError,
  EventStoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../errors';
import {
  AllSubscription,
  AppendResult,
  collect,
  comparePositions,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamCondition,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../port';
import { createAllSubscription, SubscriptionProgress } from '../all-subscription';
import { expectationHolds, validateAppend, validateStreamAppends } from '../validate-append';

export interface EsdbEventStoreOptions {
  /** esdb:// or esdb+discover:// connection string. */
  readonly url: string;
  /** Events per readAll request; system events are skipped client-side on reads, so pages may shrink. */
  readonly pageSize?: number;
  /** First delay before resubscribing after a dropped connection; doubles up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /**
   * Server-side filter window: after this many events examined without a match, the server sends a
   * checkpoint, so a subscription's position advances through long runs of system events.
   */
  readonly filterSearchWindow?: number;
}

interface EsdbSubscriptionProgress extends SubscriptionProgress {
  /** The gRPC subscription currently open, if any; replaced on every reconnect. */
  current: AllStreamSubscription | undefined;
}

/** gRPC status codes and client error types after which retrying on a fresh connection may succeed. */
const TRANSIENT_ERROR_TYPES = new Set(['unavailable', 'cancelled', 'deadline-exceeded', 'timeout']);
const TRANSIENT_GRPC_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/**
 * The production adapter: EventStoreDB through its official gRPC client. Positions are the server's
 * (commit, prepare) pair, passed through untouched.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly pageSize: number;
  private readonly reconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly filterSearchWindow: number;
  private readonly openSubscriptions = new Set<AllSubscription>();
  private closed = false;

  private constructor(options: EsdbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.url);
    this.pageSize = Math.max(2, options.pageSize ?? 500);
    this.reconnectDelayMs = options.reconnectDelayMs ?? 100;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 5_000;
    this.filterSearchWindow = options.filterSearchWindow ?? 32;
  }

  /** Connects lazily (the client opens its channel on first use), then proves the server answers. */
  static async connect(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
    const store = new EsdbEventStore(options);
    try {
      await store.ping();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    { expectedRevision }: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expectedRevision);
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
        ),
        { expectedRevision },
      );
      const position = result.position ?? (await this.lastPositionOf(streamId));
      return { nextRevision: result.nextExpectedRevision, position: toGlobalPosition(position) };
    } catch (error) {
      throw mapError(error, streamId, expectedRevision);
    }
  }

  /** EventStoreDB 24.10 has no multi-stream append: one after the other, as the port allows. */
  readonly multiStreamAppendIsAtomic = false;

  /**
   * A condition is checked by reading its stream just before the appends, and nothing stops that stream
   * moving between the read and the appends: the server enforces only each appended stream's own
   * expected revision, when that append is written.
   */
  readonly conditionsHoldAtCommit = false;

  async appendToStreams(
    appends: readonly StreamAppend[],
    { conditions = [] }: { readonly conditions?: readonly StreamCondition[] } = {},
  ): Promise<AppendResult[]> {
    this.assertOpen();
    validateStreamAppends(appends, conditions);
    for (const { streamId, expectedRevision } of conditions) {
      let actual = -1n;
      try {
        for await (const event of this.readStream(streamId, { direction: 'backwards', maxCount: 1 }))
          actual = event.revision;
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      if (!expectationHolds(expectedRevision, actual)) {
        throw new WrongExpectedRevisionError(streamId, expectedRevision, actual < 0n ? 'no_stream' : actual);
      }
    }
    const results: AppendResult[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      results.push(await this.append(streamId, events, { expectedRevision }));
    }
    return results;
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const read = async (streamId: string): Promise<[string, RecordedEvent[]]> => {
      try {
        return [streamId, await collect(this.readStream(streamId))];
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [streamId, []];
        throw error;
      }
    };
    return new Map(await Promise.all([...new Set(streamIds)].map(read)));
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    let from: bigint | 'start' | 'end' = options.fromRevision ?? (forwards ? 'start' : 'end');
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    // Paged, so a reader that stops early leaves at most one page to drain (see drainedOnExit).
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      let received = 0;
      let lastRevision: bigint | undefined;
      try {
        const page = this.client.readStream(streamId, {
          direction: forwards ? FORWARDS : BACKWARDS,
          fromRevision: from === 'start' ? START : from === 'end' ? END : from,
          maxCount: limit,
        });
        for await (const resolved of drainedOnExit(page)) {
          received++;
          const event = toRecordedEvent(resolved);
          if (!event) continue;
          lastRevision = event.revision;
          yield event;
        }
      } catch (error) {
        throw mapError(error, streamId);
      }
      if (received < limit || lastRevision === undefined || (!forwards && lastRevision === 0n)) return;
      remaining -= received;
      from = forwards ? lastRevision + 1n : lastRevision - 1n;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    const from = options.from ?? (forwards ? 'start' : 'end');
    if ((forwards && from === 'end') || (!forwards && from === 'start')) return;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let cursor: GlobalPosition | 'start' | 'end' = from;
    while (remaining > 0) {
      let received = 0;
      let lastSeen: GlobalPosition | undefined;
      try {
        const page = this.client.readAll({
          direction: forwards ? FORWARDS : BACKWARDS,
          fromPosition: cursor === 'start' ? START : cursor === 'end' ? END : cursor,
          maxCount: this.pageSize,
        });
        for await (const resolved of drainedOnExit(page)) {
          received++;
          const position = resolved.event?.position;
          if (!position) continue;
          lastSeen = toGlobalPosition(position);
          // The port's bounds are exclusive; whether the server repeats the boundary event or not, skip it.
          if (cursor !== 'start' && cursor !== 'end' && comparePositions(lastSeen, cursor) === 0) continue;
          const event = toRecordedEvent(resolved);
          if (!event || isSystemEvent(event)) continue;
          yield event;
          if (--remaining <= 0) return;
        }
      } catch (error) {
        throw mapError(error);
      }
      if (received < this.pageSize || !lastSeen) return;
      cursor = lastSeen;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    // 'end' is pinned to a concrete position now, so a reconnect can never skip what was appended meanwhile.
    const start = this.resolveSubscriptionStart(options.from ?? 'start');
    start.catch(() => undefined);
    const progress: EsdbSubscriptionProgress = { position: undefined, current: undefined };
    const subscription = createAllSubscription({
      progress,
      deliver: (closing) => this.deliverAll(start, closing, progress),
      // A pull waiting on the gRPC stream only returns once that call is cancelled.
      interrupt: async () => progress.current?.unsubscribe().catch(() => undefined),
      onClose: (closed) => this.openSubscriptions.delete(closed),
    });
    this.openSubscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    try {
      await drain(
        this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: 2_000 }),
      );
    } catch (error) {
      throw mapError(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.openSubscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async *deliverAll(
    start: Promise<GlobalPosition | 'start'>,
    closing: AbortSignal,
    state: EsdbSubscriptionProgress,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    let from = await start;
    if (from !== 'start') state.position = from;
    let failures = 0;
    while (!closing.aborted) {
      const advance = (position: GlobalPosition) => {
        if (from === 'start' || comparePositions(position, from) > 0) {
          from = position;
          state.position = position;
        }
      };
      const subscription = this.client.subscribeToAll({
        fromPosition: from === 'start' ? START : from,
        filter: excludeSystemEvents({
          maxSearchWindow: this.filterSearchWindow,
          checkpointInterval: 1,
          checkpointReached: (_subscription, position) => advance(toGlobalPosition(position)),
        }),
      });
      state.current = subscription;
      try {
        for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
          failures = 0;
          const event = toRecordedEvent(resolved);
          if (!event) continue;
          // Subscriptions start after their position; never deliver the boundary twice across a resume.
          if (from !== 'start' && comparePositions(event.position, from) <= 0) continue;
          advance(event.position);
          if (isSystemEvent(event)) continue;
          if (closing.aborted) return;
          yield event;
        }
      } catch (error) {
        if (closing.aborted) return;
        if (!isTransient(error)) throw mapError(error);
      } finally {
        state.current = undefined;
        await subscription.unsubscribe().catch(() => undefined);
      }
      if (closing.aborted) return;
      // The server ended the call or the connection dropped: resume from the last position seen.
      const delay = Math.min(this.maxReconnectDelayMs, this.reconnectDelayMs * 2 ** Math.min(failures++, 10));
      await sleep(delay, closing);
    }
  }

  private async resolveSubscriptionStart(
    from: GlobalPosition | 'start' | 'end',
  ): Promise<GlobalPosition | 'start'> {
    if (from !== 'end') return from;
    try {
      const [last] = await drain(
        this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }),
      );
      if (last?.event?.position) return toGlobalPosition(last.event.position);
    } catch (error) {
      throw mapError(error);
    }
    return 'start';
  }

  private async lastPositionOf(streamId: string): Promise<Position> {
    const [last] = await drain(
      this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }),
    );
    if (last?.event?.position) return last.event.position;
    throw new EventStoreUnavailableError(`the server reported no position for the append to "${streamId}"`);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('the event store has been closed');
  }
}

function toGlobalPosition(position: Position): GlobalPosition {
  return { commit: position.commit, prepare: position.prepare };
}

function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || !event.position) return undefined;
  return {
    id: event.id,
    type: event.type,
    data: (event.isJson ? event.data : {}) as JsonObject,
    metadata: (event.metadata && !(event.metadata instanceof Uint8Array) ? event.metadata : {}) as JsonObject,
    streamId: event.streamId,
    revision: event.revision,
    position: toGlobalPosition(event.position),
    recordedAt: event.created instanceof Date ? event.created : new Date(event.created),
  };
}

/** The server's own events ($-prefixed types or streams): never part of certm3's log. */
function isSystemEvent(event: RecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function isTransient(error: unknown): boolean {
  const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown };
  return (
    (typeof type === 'string' && TRANSIENT_ERROR_TYPES.has(type)) ||
    (typeof code === 'number' && TRANSIENT_GRPC_CODES.has(code))
  );
}

function mapError(error: unknown, streamId?: string, expected?: ExpectedRevision): unknown {
  if (error instanceof EventStoreError) return error;
  const clientError = (error ?? {}) as {
    type?: string;
    actualVersion?: bigint | 'no_stream';
    streamName?: string;
    message?: string;
  };
  switch (clientError.type) {
    case 'wrong-expected-version':
      return new WrongExpectedRevisionError(
        streamId ?? clientError.streamName ?? '',
        expected ?? 'any',
        clientError.actualVersion ?? 'no_stream',
        {
          cause: error,
        },
      );
    case 'stream-not-found':
      return new StreamNotFoundError(streamId ?? clientError.streamName ?? '', { cause: error });
    case 'stream-deleted':
      return new StreamDeletedError(streamId ?? clientError.streamName ?? '', { cause: error });
  }
  if (isTransient(error)) {
    return new EventStoreUnavailableError(
      `EventStoreDB unavailable: ${clientError.message ?? String(error)}`,
      { cause: error },
    );
  }
  return error;
}

/**
 * Yields a read's events and, if the consumer stops early, reads the rest before returning. The client
 * tracks every call until it ends, and a call whose response was left half-read never ends: `dispose()`
 * would then wait forever. Reads are paged, so the rest is at most one page.
 */
async function* drainedOnExit<T>(readable: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = readable[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      try {
        while (!(await iterator.next()).done) {
          // discard
        }
      } catch {
        // the read failed while draining; nothing is waiting for its events
      }
    }
  }
}

async function drain<T>(readable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of readable) items.push(item);
  return items;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
