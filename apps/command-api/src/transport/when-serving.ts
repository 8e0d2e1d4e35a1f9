import { NatsConnection } from 'nats';
import { DeferredEventStore, NatsConnectionHolder } from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';

/**
 * Resolves with the NATS connection once both NATS and the event store answer. A listener subscribes only
 * then: an instance that cannot reach its event store takes no commands, so with a queue group the other
 * instances get them (and a lone instance is reported down by /health until it can serve).
 */
export async function whenServing(nats: NatsConnectionHolder, store: EventStore): Promise<NatsConnection> {
  const [connection] = await Promise.all([
    nats.whenReady(),
    store instanceof DeferredEventStore ? store.whenReady() : undefined,
  ]);
  return connection;
}
