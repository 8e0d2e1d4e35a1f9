import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@certm3/common';
import { DeferredEventStore, EVENT_STORE } from '@certm3/app-runtime';
import { AllSubscription, EventStore, serializePosition } from '@certm3/event-store';
import { CertificateLedger, LedgerChange } from './certificate-ledger';

export const CERTIFICATE_LEDGER = Symbol('CERTIFICATE_LEDGER');

export interface LedgerListener {
  /** Once, when the ledger has read the whole log as it was at start-up. */
  caughtUp(): void;
  /** After catching up: each change, as its event arrives. */
  changed(change: LedgerChange): void;
}

/**
 * Feeds the ledger from the log: everything from the start (readAll, which returns every event committed
 * before it began), then live (subscribeToAll from the last position read). A subscription that fails (the
 * store went away) is opened again from the ledger's position after a pause, so nothing is applied twice
 * and nothing is missed.
 */
@Injectable()
export class LedgerFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LedgerFeed');
  private readonly listeners: LedgerListener[] = [];
  private subscription: AllSubscription | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** True once the log as it was at start-up is in the ledger. */
  caughtUp = false;
  /** How long catching up took, ms (for the start-up log and the bench). */
  catchUpMs: number | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CERTIFICATE_LEDGER) readonly ledger: CertificateLedger,
  ) {}

  listen(listener: LedgerListener): void {
    this.listeners.push(listener);
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    const began = performance.now();
    while (!this.stopped && !this.caughtUp) {
      try {
        if (this.store instanceof DeferredEventStore) await this.store.whenReady();
        for await (const event of this.store.readAll({ from: this.ledger.position ?? 'start' })) {
          if (this.stopped) return;
          this.ledger.apply(event);
        }
        this.caughtUp = true;
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({
          message: 'reading the log failed; reading on shortly',
          error: describeError(error),
        });
        await pause(1_000);
      }
    }
    if (this.stopped) return;
    this.catchUpMs = Math.round(performance.now() - began);
    this.logger.log({
      message: 'ledger caught up with the log',
      certificates: this.ledger.certificates(),
      authorities: this.ledger.authorities.size,
      position: this.ledger.position ? serializePosition(this.ledger.position) : null,
      ms: this.catchUpMs,
    });
    for (const listener of this.listeners) listener.caughtUp();
    while (!this.stopped) {
      try {
        this.subscription = this.store.subscribeToAll({ from: this.ledger.position ?? 'start' });
        for await (const event of this.subscription) {
          const change = this.ledger.apply(event);
          if (change) for (const listener of this.listeners) listener.changed(change);
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({
          message: 'the log subscription failed; resubscribing',
          error: describeError(error),
        });
      }
      if (!this.stopped) await pause(1_000);
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
