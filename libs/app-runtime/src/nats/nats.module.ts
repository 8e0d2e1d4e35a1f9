import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect, ConnectionOptions, NatsConnection } from 'nats';
import { RetryingConnection } from '../dependencies/retrying-connection';
import { HealthIndicator } from '../health/health-indicator';

/** A RetryingConnection<NatsConnection>: connected in the background, with backoff, from start-up on. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const NATS_HEALTH = Symbol('NATS_HEALTH');

export type NatsConnectionHolder = RetryingConnection<NatsConnection>;

export interface NatsSettings {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** Shown in the server's connection list (`nats server report connections`). */
  readonly connectionName: string;
}

class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnectionHolder) {}
  async onApplicationShutdown(): Promise<void> {
    // drain() lets in-flight requests finish and their replies go out before the socket closes.
    await this.connection.close(async (nats) => {
      if (!nats.isClosed()) await nats.drain();
    });
  }
}

export function natsConnectionOptions(settings: NatsSettings): ConnectionOptions {
  return {
    servers: settings.url,
    name: settings.connectionName,
    user: settings.user,
    pass: settings.password,
    token: settings.token,
    // Once connected, ride out server restarts forever; the health check reports the outage meanwhile.
    reconnect: true,
    maxReconnectAttempts: -1,
  };
}

@Module({})
export class NatsModule {
  static forRoot(settings: NatsSettings): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: (): NatsConnectionHolder => {
            const logger = new Logger('NATS');
            return new RetryingConnection('NATS', async () => {
              const connection = await connect(natsConnectionOptions(settings));
              void (async () => {
                for await (const status of connection.status()) {
                  logger.log({ message: 'NATS connection status changed', status: status.type });
                }
              })();
              return connection;
            }).start();
          },
        },
        {
          provide: NATS_HEALTH,
          inject: [NATS_CONNECTION],
          useFactory: (holder: NatsConnectionHolder): HealthIndicator => ({
            name: 'nats',
            check: async () => {
              const connection = holder.current;
              if (!connection) throw new Error(holder.describeUnavailability());
              if (connection.isClosed()) throw new Error('connection closed');
              const roundTrip = await connection.rtt();
              return { server: connection.getServer(), roundTripMs: roundTrip };
            },
          }),
        },
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, NATS_HEALTH],
    };
  }
}
