import { describeExpectedRevision, ExpectedRevision, GlobalPosition, serializePosition } from './port';

/** Base class of every error the port throws; adapters map their drivers' errors onto these. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The stream is not at the revision the writer expected: someone else appended first. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's revision when the append was refused; 'no_stream' if it has no events. */
    readonly actual: bigint | 'no_stream',
    options?: { cause?: unknown },
  ) {
    super(
      `append to stream "${streamId}" expected ${describeExpectedRevision(expected)} but the stream is at ${
        actual === 'no_stream' ? 'no stream' : `revision ${actual}`
      }`,
      options,
    );
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(
    readonly streamId: string,
    options?: { cause?: unknown },
  ) {
    super(`stream "${streamId}" not found`, options);
  }
}

export class StreamDeletedError extends EventStoreError {
  readonly code = 'STREAM_DELETED';
  constructor(
    readonly streamId: string,
    options?: { cause?: unknown },
  ) {
    super(`stream "${streamId}" is deleted`, options);
  }
}

/** The store could not be reached or did not answer in time. Retrying later may succeed. */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
}

/** The caller asked for something the port does not allow (empty append, malformed id, …). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
}

/**
 * A forwards readAll asked to fail rather than stop short (`whenUnsettled: 'fail'`) could not settle: a
 * transaction older than the read was still open when its wait ran out, and events that transaction
 * commits would take positions before the end of what the read had returned. Everything delivered up to
 * `deliveredThrough` is a correct prefix of the log; the log past it was not read.
 */
export class ReadAllUnsettledError extends EventStoreError {
  readonly code = 'READ_ALL_UNSETTLED';
  constructor(
    readonly deliveredThrough: GlobalPosition | undefined,
    readonly waitedMs: number,
  ) {
    super(
      `the read stopped short of the log's end: a transaction that began before it was still open after ${waitedMs} ms, ` +
        `and events it commits would sort before later ones; what was read is complete only up to ${
          deliveredThrough ? serializePosition(deliveredThrough) : 'the start'
        }`,
    );
  }
}
