import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@certm3/common';
import { ConfigurationError } from '../config/load-config';
import { HealthIndicator } from '../health/health-indicator';
import { RetryingConnection } from '../dependencies/retrying-connection';
import {
  KeyVault,
  loadMasterKey,
  MasterKeyError,
  PostgresKeyVault,
  WrongMasterKeyError,
} from '@certm3/key-vault';

export const KEY_VAULT = Symbol('KEY_VAULT');
export const KEY_VAULT_HEALTH = Symbol('KEY_VAULT_HEALTH');

export interface KeyVaultSettings {
  readonly CERTM3_MASTER_KEY?: string;
  readonly CERTM3_MASTER_KEY_FILE?: string;
  readonly KEY_VAULT_DATABASE_URL: string;
}

/**
 * The master key, read once at start: missing, unreadable or malformed, the process does not start (exit
 * 2, naming the variable, never the key). `why` says what the process needs it for.
 */
export function masterKeyFrom(settings: KeyVaultSettings, why?: string): Buffer {
  try {
    return loadMasterKey({ key: settings.CERTM3_MASTER_KEY, file: settings.CERTM3_MASTER_KEY_FILE });
  } catch (error) {
    if (error instanceof MasterKeyError)
      throw new ConfigurationError([
        { variable: 'CERTM3_MASTER_KEY', problem: why ? `${error.message} (${why})` : error.message },
      ]);
    throw error;
  }
}

class KeyVaultLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KEY_VAULT) private readonly vault: RetryingConnection<KeyVault>) {}
  async onApplicationShutdown(): Promise<void> {
    await this.vault.close((vault) => vault.close());
  }
}

/**
 * The key vault (docs/key-hierarchy.md), opened in the background like the event store: the process starts
 * and reports it down until its database answers. A vault set up under another master key is fatal — the
 * process refuses to go on (`onWrongMasterKey`, exit 2 in the real process) and has written nothing.
 */
@Module({})
export class KeyVaultModule {
  static forRoot(
    settings: KeyVaultSettings,
    onWrongMasterKey: (error: WrongMasterKeyError) => void = () => process.exit(2),
    why?: string,
  ): DynamicModule {
    const masterKey = masterKeyFrom(settings, why);
    const logger = new Logger('KeyVault');
    return {
      module: KeyVaultModule,
      providers: [
        {
          provide: KEY_VAULT,
          useFactory: () =>
            new RetryingConnection<KeyVault>('key vault', async () => {
              try {
                return await PostgresKeyVault.open({ url: settings.KEY_VAULT_DATABASE_URL, masterKey });
              } catch (error) {
                if (error instanceof WrongMasterKeyError) {
                  logger.fatal({ message: error.message, error: describeError(error) });
                  onWrongMasterKey(error);
                }
                throw error;
              }
            }).start(),
        },
        {
          provide: KEY_VAULT_HEALTH,
          inject: [KEY_VAULT],
          useFactory: (vault: RetryingConnection<KeyVault>): HealthIndicator => ({
            name: 'keyVault',
            check: async () => {
              if (!vault.current) throw new Error(vault.describeUnavailability());
            },
          }),
        },
        KeyVaultLifecycle,
      ],
      exports: [KEY_VAULT, KEY_VAULT_HEALTH],
    };
  }
}
