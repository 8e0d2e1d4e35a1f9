import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  healthIndicatorsProvider,
  NATS_HEALTH,
  NatsModule,
} from '@certm3/app-runtime';
import { NatsAuditListener } from './audit/nats-audit-listener';
import { CERTIFICATE_COMMAND_HANDLERS } from './certificates/certificate-command-handlers';
import { CommandApiSettings } from './command-api.settings';
import { CommandExecutor } from './execution/command-executor';
import { GROUP_COMMAND_HANDLERS } from './groups/group-command-handlers';
import { PasswordHasher } from './security/password-hasher';
import { COMMAND_TRANSPORT_SETTINGS, NatsCommandListener } from './transport/nats-command-listener';
import { EmailReservations } from './users/email-reservations';
import { USER_COMMAND_HANDLERS } from './users/user-command-handlers';

@Module({})
export class CommandApiModule {
  static forSettings(settings: CommandApiSettings): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [
        CqrsModule.forRoot(),
        EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL, poolSize: 20 }),
        NatsModule.forRoot({
          url: settings.NATS_URL,
          user: settings.NATS_USER,
          password: settings.NATS_PASSWORD,
          token: settings.NATS_TOKEN,
          connectionName: 'certm3-command-api',
        }),
      ],
      controllers: [HealthController],
      providers: [
        healthIndicatorsProvider([EVENT_STORE_HEALTH, NATS_HEALTH]),
        {
          provide: COMMAND_TRANSPORT_SETTINGS,
          useValue: {
            subjectPrefix: settings.NATS_SUBJECT_PREFIX,
            maxInFlight: settings.COMMAND_MAX_IN_FLIGHT,
          },
        },
        { provide: PasswordHasher, useValue: new PasswordHasher(settings.PASSWORD_SCRYPT_LOG2_COST) },
        CommandExecutor,
        EmailReservations,
        NatsCommandListener,
        NatsAuditListener,
        ...USER_COMMAND_HANDLERS,
        ...GROUP_COMMAND_HANDLERS,
        ...CERTIFICATE_COMMAND_HANDLERS,
      ],
    };
  }
}
