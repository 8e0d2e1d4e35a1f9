import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { describeError } from '@certm3/common';
import {
  EncryptionKeyStatus,
  encryptionKeyDecider,
  foldEvents,
  keyRotationDecider,
  streamIds,
} from '@certm3/domain';
import { EVENT_STORE } from '@certm3/app-runtime';
import { collect, EventStore, StreamNotFoundError } from '@certm3/event-store';
import { KeyVault, Rotation } from '@certm3/key-vault';
import { CommandExecutor } from '../execution/command-executor';
import { runInternalCommand } from '../execution/run-internal-command';
import { KeyVaultState, recordKeyVaultStateDefinition, VaultKeyRecord } from './keys.definitions';

export const KEY_ROTATION_SETTINGS = Symbol('KEY_ROTATION_SETTINGS');
export const KEY_ROTATION_SIGNAL = Symbol('KEY_ROTATION_SIGNAL');

export interface KeyRotationSettings {
  /** Data keys re-wrapped per transaction. */
  readonly batchSize: number;
  /** How often it looks for work it was not told about (another instance's rotation, a crash's leftovers). */
  readonly pollMs: number;
  readonly vault: () => KeyVault | undefined;
}

/** What the command that starts a rotation pulls to wake the process at once. */
export class KeyRotationSignal {
  private listener: (() => void) | undefined;
  wake(): void {
    this.listener?.();
  }
  onWake(listener: () => void): void {
    this.listener = listener;
  }
}

/**
 * Re-wraps every data key still under an older key-encryption key, in batches (each its own transaction in
 * the vault, counted there), then records in the log what the vault shows and the log does not: new, retired
 * and destroyed keys, completed rotations. Restartable at any instant: the vault's batches are atomic and the
 * records only add what is missing, so a process killed half-way resumes where the vault is, and several
 * instances share the work (the vault locks rows with SKIP LOCKED).
 */
@Injectable()
export class KeyRotationProcess implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('KeyRotationProcess');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_ROTATION_SETTINGS) private readonly settings: KeyRotationSettings,
    @Inject(KEY_ROTATION_SIGNAL) signal: KeyRotationSignal,
  ) {
    signal.onWake(() => void this.runSoon());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runSoon(), this.settings.pollMs);
    this.timer.unref();
    void this.runSoon();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs now, or once more after the run in progress: never two at once in one instance. */
  runSoon(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.runOnce();
        } catch (error) {
          this.logger.warn({
            message: 'key rotation step failed; it is retried',
            error: describeError(error),
          });
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Records what the vault shows before this instance serves (its first key-encryption key, on a new
   * vault), so the keys sealed under it name a key the log knows. A vault not reachable yet is left to the
   * periodic run.
   */
  async recordBeforeServing(): Promise<void> {
    const vault = this.settings.vault();
    if (!vault) return;
    try {
      await this.recordVaultState(vault);
    } catch (error) {
      this.logger.warn({ message: 'could not record the key vault’s keys yet', error: describeError(error) });
    }
  }

  private async runOnce(): Promise<void> {
    const vault = this.settings.vault();
    if (!vault) return;
    for (;;) {
      if (this.stopped) return;
      const { rewrapped, remaining } = await vault.rewrapBatch(this.settings.batchSize);
      if (remaining === 0 || rewrapped === 0) break;
      // Issuance and export go on between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.recordVaultState(vault);
  }

  private async recordVaultState(vault: KeyVault): Promise<void> {
    const keys: VaultKeyRecord[] = (await vault.keyEncryptionKeys()).map((key) => ({
      keyId: key.keyId,
      status: key.status,
      at: key.destroyedAt ?? key.retiredAt ?? key.createdAt,
    }));
    const rotations = await vault.rotations();
    const missing: KeyVaultState = {
      keys: await this.filter(keys, (key) => this.keyRecorded(key.keyId, key.status)),
      rotations: await this.filter(rotations, (rotation) => this.rotationRecorded(rotation)),
    };
    if (missing.keys.length === 0 && missing.rotations.length === 0) return;
    await runInternalCommand(this.executor, recordKeyVaultStateDefinition, missing);
  }

  private async filter<T>(items: readonly T[], recorded: (item: T) => Promise<boolean>): Promise<T[]> {
    const left: T[] = [];
    for (const item of items) if (!(await recorded(item))) left.push(item);
    return left;
  }

  private async events(streamId: string) {
    try {
      return (await collect(this.store.readStream(streamId))).map((event) => ({
        type: event.type,
        data: event.data,
      }));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  private async keyRecorded(keyId: string, status: EncryptionKeyStatus): Promise<boolean> {
    const state = foldEvents(
      encryptionKeyDecider,
      (await this.events(streamIds.encryptionKey(keyId))) as never,
    );
    return state.exists && state.status === status;
  }

  private async rotationRecorded(rotation: Rotation): Promise<boolean> {
    const state = foldEvents(
      keyRotationDecider,
      (await this.events(streamIds.keyRotation(rotation.rotationId))) as never,
    );
    return state.exists && state.completed === (rotation.completedAt !== null);
  }
}
