import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  HealthIndicator,
  healthIndicatorsProvider,
  NATS_HEALTH,
  NatsModule,
  RetryingConnection,
  KEY_VAULT,
  KEY_VAULT_HEALTH,
  KeyVaultModule,
} from '@certm3/app-runtime';
import { NatsAuditListener } from './audit/nats-audit-listener';
import { SystemRolesUpgrade } from './access/system-roles-upgrade';
import { KeyVault } from '@certm3/key-vault';
import { EventStoreUnavailableError } from '@certm3/event-store';
import { COMMAND_DEFINITIONS } from './command-definitions';
import { CommandApiSettings } from './command-api.settings';
import { CommandServices } from './execution/command-definition';
import { COMMAND_SERVICES, CommandExecutor } from './execution/command-executor';
import { COMMAND_DEFINITIONS_TOKEN, ExecuteCommandHandler } from './execution/execute-command';
import { CommandMetrics, CommandMetricsController } from './metrics/command-metrics';
import { PasswordHasher } from './security/password-hasher';
import { AuthoritySigningKeys } from './pki/authority-signing-keys';
import { CertificateFingerprintUpgrade } from './certificates/fingerprint-upgrade';
import {
  KEY_ROTATION_SETTINGS,
  KEY_ROTATION_SIGNAL,
  KeyRotationProcess,
  KeyRotationSettings,
  KeyRotationSignal,
} from './pki/key-rotation.process';
import { COMMAND_TRANSPORT_SETTINGS, NatsCommandListener } from './transport/nats-command-listener';
import {
  AUTO_RENEWAL,
  AutoRenewal,
  LIFECYCLE_SETTINGS,
  LifecycleProcess,
  LifecycleSettings,
} from './lifecycle/lifecycle.process';
import { autoRenewCertificateDefinition } from './pki/renewal.definitions';
import { runInternalCommand } from './execution/run-internal-command';
import { ConfigurationError } from '@certm3/app-runtime';

const COMMANDS_HEALTH = Symbol('COMMANDS_HEALTH');

@Module({})
export class CommandApiModule {
  static forSettings(settings: CommandApiSettings, options: { clock?: () => number } = {}): DynamicModule {
    // Deny by default: a command whose contract declares no permission stops the process here.
    CommandExecutor.assertRunnable(Object.values(COMMAND_DEFINITIONS));
    const passwords = new PasswordHasher(settings.PASSWORD_SCRYPT_LOG2_COST);
    const keyRotationSignal = new KeyRotationSignal();
    if (settings.WEBHOOK_URL && !settings.WEBHOOK_SECRET)
      throw new ConfigurationError([
        {
          variable: 'WEBHOOK_SECRET',
          problem: 'is required with WEBHOOK_URL (deliveries are signed with it)',
        },
      ]);
    const lifecycle: LifecycleSettings = {
      databaseUrl: settings.LIFECYCLE_DATABASE_URL,
      eventLog: settings.EVENT_STORE_URL,
      expiryCheckMs: settings.EXPIRY_CHECK_SECONDS * 1000,
      clock: options.clock ?? Date.now,
      subjectPrefix: settings.NATS_SUBJECT_PREFIX,
      webhook: settings.WEBHOOK_URL
        ? {
            url: settings.WEBHOOK_URL,
            secret: settings.WEBHOOK_SECRET!,
            maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS,
            timeoutMs: 10_000,
          }
        : undefined,
    };
    return {
      module: CommandApiModule,
      imports: [
        CqrsModule.forRoot(),
        EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL, poolSize: 20 }),
        KeyVaultModule.forRoot(settings),
        NatsModule.forRoot({
          url: settings.NATS_URL,
          user: settings.NATS_USER,
          password: settings.NATS_PASSWORD,
          token: settings.NATS_TOKEN,
          connectionName: 'certm3-command-api',
        }),
      ],
      controllers: [HealthController, CommandMetricsController],
      providers: [
        healthIndicatorsProvider([EVENT_STORE_HEALTH, NATS_HEALTH, KEY_VAULT_HEALTH, COMMANDS_HEALTH]),
        {
          // Ready means it answers commands: not before its start-up work is done.
          provide: COMMANDS_HEALTH,
          inject: [NatsCommandListener],
          useFactory: (listener: NatsCommandListener): HealthIndicator => ({
            name: 'commands',
            check: async () => {
              if (!listener.listening)
                throw new Error('not listening for commands yet (start-up work in progress)');
            },
          }),
        },
        {
          provide: COMMAND_TRANSPORT_SETTINGS,
          useValue: {
            subjectPrefix: settings.NATS_SUBJECT_PREFIX,
            maxInFlight: settings.COMMAND_MAX_IN_FLIGHT,
            digestKey: settings.COMMAND_DIGEST_KEY,
          },
        },
        { provide: KEY_ROTATION_SIGNAL, useValue: keyRotationSignal },
        {
          provide: KEY_ROTATION_SETTINGS,
          inject: [KEY_VAULT],
          useFactory: (vault: RetryingConnection<KeyVault>): KeyRotationSettings => ({
            batchSize: settings.KEY_REWRAP_BATCH_SIZE,
            pollMs: settings.KEY_ROTATION_POLL_MS,
            vault: () => vault.current,
          }),
        },
        {
          provide: COMMAND_SERVICES,
          inject: [KEY_VAULT],
          useFactory: (vault: RetryingConnection<KeyVault>): CommandServices => {
            const keyVault = () => {
              if (!vault.current) throw new EventStoreUnavailableError(vault.describeUnavailability());
              return vault.current;
            };
            return {
              passwords,
              keyVault,
              pkiBaseUrl: settings.PKI_BASE_URL,
              signingKeys: new AuthoritySigningKeys(keyVault),
              keyRotation: keyRotationSignal,
              clock: options.clock,
            };
          },
        },
        { provide: COMMAND_DEFINITIONS_TOKEN, useValue: COMMAND_DEFINITIONS },
        { provide: LIFECYCLE_SETTINGS, useValue: lifecycle },
        {
          provide: AUTO_RENEWAL,
          inject: [CommandExecutor],
          useFactory: (executor: CommandExecutor): AutoRenewal => ({
            renew: async (certificateId, commandId) => {
              await runInternalCommand(
                executor,
                autoRenewCertificateDefinition,
                { certificateId },
                undefined,
                {
                  commandId,
                },
              );
            },
          }),
        },
        ...(settings.LIFECYCLE_PROCESS_ENABLED ? [LifecycleProcess] : []),
        CommandExecutor,
        SystemRolesUpgrade,
        KeyRotationProcess,
        CertificateFingerprintUpgrade,
        ExecuteCommandHandler,
        CommandMetrics,
        NatsCommandListener,
        NatsAuditListener,
      ],
    };
  }
}
