import {
  collect,
  EventStore,
  RecordedEvent,
  serializePosition,
  StreamNotFoundError,
} from '@certm3/event-store';
import { upcastEventData } from '@certm3/domain';
import { EntityKind, ENTITY_KINDS } from './entities';
import { redact, redactEventData } from './redact';

export interface HistoryEntry {
  readonly revision: number;
  readonly position: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly type: string;
  readonly actorId: string | null;
  readonly commandId: string | null;
  readonly correlationId: string | null;
  readonly summary: string;
  readonly data: unknown;
}

async function entityEvents(store: EventStore, kind: EntityKind, id: string): Promise<RecordedEvent[]> {
  try {
    return await collect(store.readStream(ENTITY_KINDS[kind].stream(id)));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

const occurredAtOf = (event: RecordedEvent) =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt.toISOString();

/** Every event of one entity, in order, with who and why, secrets redacted. */
export async function history(store: EventStore, kind: EntityKind, id: string): Promise<HistoryEntry[]> {
  return (await entityEvents(store, kind, id)).map((event) => {
    const data = redactEventData(event.type, event.data);
    return {
      revision: Number(event.revision),
      position: serializePosition(event.position),
      occurredAt: occurredAtOf(event),
      recordedAt: event.recordedAt.toISOString(),
      type: event.type,
      actorId: (event.metadata.actorId as string | undefined) ?? null,
      commandId: (event.metadata.commandId as string | undefined) ?? null,
      correlationId: (event.metadata.correlationId as string | undefined) ?? null,
      summary: summarize(event.type, data),
      data,
    };
  });
}

function summarize(type: string, data: Record<string, unknown>): string {
  const fields = Object.entries(data)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && value.length > 60 ? `${value.slice(0, 57)}...` : JSON.stringify(value)}`,
    )
    .join(' ');
  return `${type}${fields ? ` ${fields}` : ''}`;
}

/**
 * The entity as it was at `instant`: its events up to then, folded with the domain's own `evolve`, so the
 * rules are never implemented twice. `null` when it did not exist yet.
 */
export async function stateAt(
  store: EventStore,
  kind: EntityKind,
  id: string,
  instant: Date,
): Promise<{
  state: unknown;
  eventsApplied: number;
  lastEvent: { revision: number; type: string; occurredAt: string } | null;
}> {
  const { evolver } = ENTITY_KINDS[kind];
  const events = (await entityEvents(store, kind, id)).filter(
    (event) => Date.parse(occurredAtOf(event)) <= instant.getTime(),
  );
  let state: unknown = evolver.initialState;
  for (const event of events) {
    // Older schema versions are brought up to the current shape first, as the write side does.
    state = (evolver.evolve as (s: unknown, e: unknown) => unknown)(state, {
      type: event.type,
      data: upcastEventData(event.type, event.data, event.metadata),
    });
  }
  const last = events[events.length - 1];
  return {
    state: events.length === 0 ? null : redact(toPlain(state)),
    eventsApplied: events.length,
    lastEvent: last
      ? { revision: Number(last.revision), type: last.type, occurredAt: occurredAtOf(last) }
      : null,
  };
}

/** Maps and sets as JSON-friendly objects and arrays. */
function toPlain(value: unknown): unknown {
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([key, inner]) => [key, toPlain(inner)]));
  if (value instanceof Set) return [...value].map(toPlain);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlain(inner)]));
  return value;
}
