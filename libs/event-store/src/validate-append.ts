import { InvalidAppendError } from './errors';
import { EventToAppend, ExpectedRevision, StreamAppend, StreamCondition } from './port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  if (streamId.startsWith('$')) {
    throw new InvalidAppendError(`stream ids starting with "$" are reserved for the store: ${streamId}`);
  }
  if (events.length === 0 && !conditionOnly)
    throw new InvalidAppendError('an append needs at least one event');
  for (const event of events) {
    if (!UUID.test(event.id))
      throw new InvalidAppendError(`event id is not a UUID: ${JSON.stringify(event.id)}`);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(`event type must be a non-empty string not starting with "$"`);
    }
  }
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
