/**
 * The event store port: the one interface the write side, the projector and the audit tools depend on.
 * Two adapters implement it (PostgreSQL, EventStoreDB) and both must pass `contract/`.
 */

/**
 * A position in the global log. It mirrors EventStoreDB's (commit, prepare) pair; the PostgreSQL adapter
 * fills it with (transaction id, sequence number). Callers must treat it as opaque: compare it with
 * `comparePositions`, store it with `serializePosition`, never do arithmetic on it.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** What the writer believes about the stream before appending. A bigint is an exact revision (0-based). */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface EventToAppend {
  /** A UUID. Deterministic per command, so a retried append can be recognised. */
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly streamId: string;
  /** 0-based position of the event in its stream. */
  readonly revision: bigint;
  readonly position: GlobalPosition;
  /** When the store recorded it (the store's clock, UTC). The domain's own time is in metadata. */
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event written; the expected revision of the next append. */
  readonly nextRevision: bigint;
  /** Global position of the last event written. */
  readonly position: GlobalPosition;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: ReadDirection;
  /** Inclusive. Defaults to the first event forwards, the last backwards. */
  readonly fromRevision?: bigint | 'start' | 'end';
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  readonly direction?: ReadDirection;
  /**
   * Forwards: events strictly after this position ('start' = from the first).
   * Backwards: events strictly before it ('end' = from the last).
   */
  readonly from?: GlobalPosition | 'start' | 'end';
  readonly maxCount?: number;
  /**
   * Forwards reads return every event committed before the read began (default). A store that orders by
   * commit (PostgreSQL) may have to wait, briefly and boundedly, for older transactions still running;
   * `false` returns at once what is already certain, for callers that poll (lag gauges).
   */
  readonly settle?: boolean;
  /**
   * When that wait runs out (a transaction older than the read is still open): 'prefix' (default) ends the
   * read with what is certain, which a caller that reads on later (a rebuild, then the live projector)
   * loses nothing by; 'fail' throws ReadAllUnsettledError after it, for a caller that must not present a
   * prefix as the whole log (the audit export). Stores that never wait (EventStoreDB) never throw it.
   */
  readonly whenUnsettled?: 'prefix' | 'fail';
}

export interface SubscribeToAllOptions {
  /** Events strictly after this checkpoint are delivered; 'start' delivers the whole log, 'end' only new ones. */
  readonly from?: GlobalPosition | 'start' | 'end';
}

/**
 * Catches up from the checkpoint, then goes live, delivering every event once, in global order.
 * Iterating pulls one event at a time, so a slow consumer slows the subscription instead of buffering
 * the log in memory.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  /**
   * How far the subscription has examined the log: every event at or before it was delivered or filtered
   * out (system events). Can advance without an event being delivered; undefined until it knows its start.
   * Resuming from it delivers nothing twice and misses nothing.
   */
  readonly position: GlobalPosition | undefined;
  /** Stops delivery; a pending `next()` resolves as done. Safe to call more than once. */
  close(): Promise<void>;
}

/** One stream's part of a multi-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision: ExpectedRevision;
}

/** A stream that must be at `expectedRevision` for a multi-stream append to go ahead; nothing is written to it. */
export interface StreamCondition {
  readonly streamId: string;
  readonly expectedRevision: ExpectedRevision;
}

export interface EventStore {
  /** Appends atomically: all events or none. Throws WrongExpectedRevisionError on a stale expectation. */
  append(
    streamId: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /**
   * Appends to several distinct streams, in the order given; returns one result per stream, in that order.
   * `conditions` are checked first: streams the caller decided on without writing to them. Throws
   * WrongExpectedRevisionError for the first condition or stream whose expectation is stale.
   *
   * Where `multiStreamAppendIsAtomic` is true, all appends commit together or none does. Where it is false
   * (EventStoreDB before multi-stream appends), they are made one after the other: a failure leaves the
   * earlier ones written, so callers must be able to recognise and resume their own partial work.
   *
   * Where `conditionsHoldAtCommit` is true (PostgreSQL), every condition and every expectation still holds
   * when the appends commit: nothing can be appended to a condition's stream between the check and the
   * commit, so a decision made on a stream the command only read cannot land after that stream moved on
   * (no write skew); in the global log the appended events come before any later event of a condition's
   * stream. Where it is false (EventStoreDB), a condition is a read made just before the appends: the
   * condition's stream may move between that read and the appends (or between two of them), and the
   * appends then still go ahead; only the appended streams' own expectations are enforced by the
   * server, each when its append is written. A caller that needs more there must re-check afterwards
   * and compensate.
   */
  appendToStreams(
    appends: readonly StreamAppend[],
    options?: { readonly conditions?: readonly StreamCondition[] },
  ): Promise<AppendResult[]>;

  readonly multiStreamAppendIsAtomic: boolean;

  /**
   * Whether `appendToStreams` holds its conditions until its appends commit (see there). Absent means
   * false: a wrapper that does not say cannot promise it.
   */
  readonly conditionsHoldAtCommit?: boolean;

  /** Throws StreamNotFoundError (on first iteration) when the stream has no events. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /**
   * Every event of each stream, forwards, keyed by stream id; a stream with no events maps to []. For the
   * few short streams one command decides on: one round trip where the store allows.
   */
  readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;

  /** Resolves when the store answers; throws EventStoreUnavailableError when it does not. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export const START_POSITION: GlobalPosition = Object.freeze({ commit: 0n, prepare: 0n });

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** A stable text form for checkpoints ("commit/prepare"); round-trips through `parsePosition`. */
export function serializePosition(position: GlobalPosition): string {
  return `${position.commit}/${position.prepare}`;
}

export function parsePosition(text: string): GlobalPosition {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new TypeError(`not a serialized global position: ${JSON.stringify(text)}`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

export function describeExpectedRevision(expected: ExpectedRevision): string {
  return typeof expected === 'bigint' ? `revision ${expected}` : expected;
}

/** Drains an iterable into an array; for reads known to be small. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
