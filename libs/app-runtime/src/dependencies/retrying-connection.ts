import { Logger } from '@nestjs/common';
import { errorMessage } from '@certm3/common';

export interface ConnectionStatus {
  readonly state: 'connecting' | 'connected' | 'closed';
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface RetryOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * A dependency a process connects to in the background, retrying with exponential backoff (doubling,
 * capped, with jitter), so the process starts, serves /health (503, naming the dependency and why) and
 * begins its work the moment the dependency answers — instead of exiting because PostgreSQL or NATS came
 * up a second later than it did.
 */
export class RetryingConnection<T> {
  private readonly logger: Logger;
  private value: T | undefined;
  private state: ConnectionStatus['state'] = 'connecting';
  private attempts = 0;
  private lastError: string | null = null;
  private readonly ready: Promise<T>;
  private resolveReady!: (value: T) => void;
  private rejectReady!: (error: Error) => void;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private started = false;

  constructor(
    readonly name: string,
    private readonly connect: () => Promise<T>,
    private readonly options: RetryOptions = {},
  ) {
    this.logger = new Logger(`dependency:${name}`);
    this.ready = new Promise<T>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** Starts connecting (once); returns at once. */
  start(): this {
    if (!this.started) {
      this.started = true;
      void this.loop();
    }
    return this;
  }

  /** The connected dependency, or undefined while it is not. */
  get current(): T | undefined {
    return this.value;
  }

  /** Resolves once connected; rejects if closed first. */
  whenReady(): Promise<T> {
    this.start();
    return this.ready;
  }

  status(): ConnectionStatus {
    return { state: this.state, attempts: this.attempts, lastError: this.lastError };
  }

  /** Why it is not usable now, for errors and health reports. */
  describeUnavailability(): string {
    if (this.state === 'closed') return `${this.name} is closed`;
    return `${this.name} is not connected yet (attempt ${this.attempts}${
      this.lastError ? `: ${this.lastError}` : ''
    })`;
  }

  /** Stops retrying; disposes of the dependency if it was connected. */
  async close(dispose?: (value: T) => Promise<void>): Promise<void> {
    if (this.state === 'closed') return;
    const value = this.value;
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.rejectReady(new Error(`${this.name} closed before it connected`));
    if (value !== undefined && dispose) await dispose(value);
  }

  private async loop(): Promise<void> {
    const initial = this.options.initialDelayMs ?? 200;
    const max = this.options.maxDelayMs ?? 10_000;
    let delay = initial;
    while (this.state === 'connecting') {
      this.attempts++;
      try {
        const value = await this.connect();
        if (this.state !== 'connecting') return;
        this.value = value;
        this.state = 'connected';
        this.lastError = null;
        if (this.attempts > 1)
          this.logger.log({ message: `${this.name} connected`, attempts: this.attempts });
        this.resolveReady(value);
        return;
      } catch (error) {
        this.lastError = errorMessage(error);
        this.logger.warn({
          message: `${this.name} unavailable; retrying`,
          attempt: this.attempts,
          retryInMs: Math.round(delay),
          error: this.lastError,
        });
      }
      await new Promise<void>((resolve) => {
        this.wakeRetry = resolve;
        this.retryTimer = setTimeout(resolve, delay * (0.75 + Math.random() * 0.5));
      });
      delay = Math.min(max, delay * 2);
    }
  }
}
