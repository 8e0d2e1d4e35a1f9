import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, DEFAULT_EVENT_STORE_URL, EventStore, eventStoreKindOf } from '@certm3/event-store';
import { RetryingConnection } from '../dependencies/retrying-connection';
import { HealthIndicator } from '../health/health-indicator';
import { DeferredEventStore } from './deferred-event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const EVENT_STORE_HEALTH = Symbol('EVENT_STORE_HEALTH');

class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides the event store selected by EVENT_STORE_URL, connected in the background with backoff (the
 * process starts and reports it down until it answers), its health indicator, and closes it on shutdown.
 */
@Module({})
export class EventStoreModule {
  static forRoot(options: { url?: string; poolSize?: number }): DynamicModule {
    const url = options.url || DEFAULT_EVENT_STORE_URL;
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: EVENT_STORE,
          useFactory: () =>
            new DeferredEventStore(
              new RetryingConnection('event store', () =>
                createEventStore({ url, poolSize: options.poolSize }),
              ).start(),
              eventStoreKindOf(url) === 'postgres',
              eventStoreKindOf(url) === 'postgres',
            ),
        },
        {
          provide: EVENT_STORE_HEALTH,
          inject: [EVENT_STORE],
          useFactory: (store: EventStore): HealthIndicator => ({
            name: 'eventStore',
            check: async () => {
              await store.ping();
              return { adapter: eventStoreKindOf(url) };
            },
          }),
        },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, EVENT_STORE_HEALTH],
    };
  }
}
