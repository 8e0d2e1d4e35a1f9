import { DynamicModule, Module } from '@nestjs/common';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  healthIndicatorsProvider,
  NATS_HEALTH,
  NatsModule,
} from '@certm3/app-runtime';
import { CommandApiSettings } from './command-api.settings';

@Module({})
export class CommandApiModule {
  static forSettings(settings: CommandApiSettings): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [
        EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL }),
        NatsModule.forRoot({
          url: settings.NATS_URL,
          user: settings.NATS_USER,
          password: settings.NATS_PASSWORD,
          token: settings.NATS_TOKEN,
          connectionName: 'certm3-command-api',
        }),
      ],
      controllers: [HealthController],
      providers: [healthIndicatorsProvider([EVENT_STORE_HEALTH, NATS_HEALTH])],
    };
  }
}
