import { isUuid } from '@certm3/common';
import { InvalidAppendError } from './errors';
import { EventToAppend, ExpectedRevision, StreamAppend, StreamCondition } from './port';

/** The rules every adapter enforces before touching its store, so both refuse the same input. */
export function validateAppend(
  streamId: string,
  events: readonly EventToAppend[],
  expectedRevision: ExpectedRevision,
  { conditionOnly = false }: { conditionOnly?: boolean } = {},
): void {
  if (typeof expectedRevision === 'bigint' && expectedRevision < 0n) {
    throw new InvalidAppendError(`expected revision must be >= 0, got ${expectedRevision}`);
  }
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new InvalidAppendError('a stream id must be a non-empty string');
  }
  const streamIdProblem = unstorableText(streamId);
  if (streamIdProblem) throw new InvalidAppendError(`a stream id must not contain ${streamIdProblem}`);
  if (streamId.startsWith('$')) {
    throw new InvalidAppendError(`stream ids starting with "$" are reserved for the store: ${streamId}`);
  }
  if (events.length === 0 && !conditionOnly)
    throw new InvalidAppendError('an append needs at least one event');
  for (const event of events) {
    if (!isUuid(event.id))
      throw new InvalidAppendError(`event id is not a UUID: ${JSON.stringify(event.id)}`);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(`event type must be a non-empty string not starting with "$"`);
    }
    // PostgreSQL cannot store such text in text or jsonb, and every read model is PostgreSQL: an event
    // holding it could be written to EventStoreDB and then never projected. Both adapters refuse it.
    const found =
      unstorableIn(event.type, 'type') ??
      unstorableIn(event.data, 'data') ??
      unstorableIn(event.metadata, 'metadata');
    if (found)
      throw new InvalidAppendError(
        `event ${event.id}: ${found.path} contains ${found.problem}, which cannot be stored`,
      );
  }
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL (text, jsonb) cannot store this string, if it cannot: the NUL character, or half of a
 * UTF-16 surrogate pair (which JSON can spell as "\ud800" but is not Unicode text). One rule for the port
 * and for whatever refuses input before it reaches the port.
 */
function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'the NUL character';
  if (UNPAIRED_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return undefined;
}

/** Where a string or key that cannot be stored sits in a JSON value: `key` when it is a key of `path`. */
export interface UnstorableText {
  readonly path: string;
  readonly key?: string;
  readonly problem: string;
}

/**
 * Calls `found` for each string or key of a JSON value that cannot be stored, in document order, until it
 * returns true. Paths read `data.list[1].note`; `path` names the value itself ('' at a body's root).
 */
export function findUnstorableText(
  value: unknown,
  path: string,
  found: (text: UnstorableText) => boolean | void,
): boolean {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? found({ path, problem }) === true : false;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++)
      if (findUnstorableText(value[index], `${path}[${index}]`, found)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const problem = unstorableText(key);
      if (problem) {
        if (found({ path, key, problem }) === true) return true;
      } else if (findUnstorableText(inner, path ? `${path}.${key}` : key, found)) return true;
    }
  }
  return false;
}

function unstorableIn(value: unknown, path: string): { path: string; problem: string } | undefined {
  let first: { path: string; problem: string } | undefined;
  findUnstorableText(value, path, ({ path: at, key, problem }) => {
    first = { path: key === undefined ? at : `${at} (a key)`, problem };
    return true;
  });
  return first;
}

export function validateStreamAppends(
  appends: readonly StreamAppend[],
  conditions: readonly StreamCondition[] = [],
): void {
  if (appends.length === 0) throw new InvalidAppendError('a multi-stream append needs at least one stream');
  const seen = new Set<string>();
  const once = (streamId: string) => {
    if (seen.has(streamId)) {
      throw new InvalidAppendError(`a multi-stream append names stream ${streamId} more than once`);
    }
    seen.add(streamId);
  };
  for (const { streamId, expectedRevision } of conditions) {
    validateAppend(streamId, [], expectedRevision, { conditionOnly: true });
    once(streamId);
  }
  for (const { streamId, events, expectedRevision } of appends) {
    validateAppend(streamId, events, expectedRevision);
    once(streamId);
  }
}

/** Whether a stream whose last revision is `actual` (-1 when it has no events) meets `expected`. */
export function expectationHolds(expected: ExpectedRevision, actual: bigint): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1n;
  if (expected === 'stream_exists') return actual !== -1n;
  return actual === expected;
}
