import { EventStore } from './port';
import { EsdbEventStore } from './esdb/esdb-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';

export const DEFAULT_EVENT_STORE_URL = 'postgres://postgres@127.0.0.1:5432/certm3_events';

export type EventStoreKind = 'postgres' | 'eventstoredb';

/** Which adapter a URL selects; undefined for a URL no adapter understands. */
export function eventStoreKindOf(url: string): EventStoreKind | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^esdb(\+discover)?:\/\//i.test(url)) return 'eventstoredb';
  return undefined;
}

export interface CreateEventStoreOptions {
  /** EVENT_STORE_URL; the local PostgreSQL database `certm3_events` when unset. */
  readonly url?: string;
  readonly poolSize?: number;
  /** PostgreSQL: how long a forwards readAll waits for transactions older than it (see ReadAllOptions). */
  readonly readAllSettleMs?: number;
}

export async function createEventStore(options: CreateEventStoreOptions = {}): Promise<EventStore> {
  const url = options.url || DEFAULT_EVENT_STORE_URL;
  switch (eventStoreKindOf(url)) {
    case 'postgres':
      return PostgresEventStore.connect({
        url,
        poolSize: options.poolSize,
        readAllSettleMs: options.readAllSettleMs,
      });
    case 'eventstoredb':
      return EsdbEventStore.connect({ url });
    default:
      throw new Error(
        'EVENT_STORE_URL must start with postgres://, postgresql://, esdb:// or esdb+discover://',
      );
  }
}
