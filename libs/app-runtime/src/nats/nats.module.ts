import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect, ConnectionOptions, NatsConnection } from 'nats';
import { HealthIndicator } from '../health/health-indicator';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const NATS_HEALTH = Symbol('NATS_HEALTH');

export interface NatsSettings {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** Shown in the server's connection list (`nats server report connections`). */
  readonly connectionName: string;
}

class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    // drain() lets in-flight requests finish and their replies go out before the socket closes.
    if (!this.connection.isClosed()) await this.connection.drain();
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
          useFactory: async () => {
            const logger = new Logger('NATS');
            const connection = await connect(natsConnectionOptions(settings));
            void (async () => {
              for await (const status of connection.status()) {
                logger.log({ message: 'NATS connection status changed', status: status.type });
              }
            })();
            return connection;
          },
        },
        {
          provide: NATS_HEALTH,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection): HealthIndicator => ({
            name: 'nats',
            check: async () => {
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
