import { Client } from 'pg';
import { NOTIFY_CHANNEL } from './schema';

const RECONNECT_DELAY_MS = 1_000;

/**
 * One LISTEN connection shared by all subscriptions of a store. Each notification bumps `generation`;
 * a subscription notes the generation before it reads, and after an empty read waits for a later one, so a
 * commit landing between its read and its wait is never slept through. A lost connection is reopened in
 * the background; until then, waits end on their poll timeout.
 */
export class CommitNotifier {
  generation = 0;
  private readonly waiters = new Set<() => void>();
  private client: Client | null = null;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(private readonly url: string) {}

  get listening(): boolean {
    return this.client !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
    this.bump();
  }

  /** Resolves at the first notification after `seenGeneration`, after `timeoutMs`, or on `signal`. */
  waitForCommitAfter(seenGeneration: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.generation !== seenGeneration || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }

  private bump(): void {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', () => this.bump());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Commits made while we were not listening sent notifications nobody heard.
    this.bump();
  }

  private lost(client: Client): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
    if (!this.running || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && !this.client) void this.connect();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}

/**
 * The appender's side: after an append commits, wake the subscribers with a NOTIFY. Notifications are
 * coalesced — while one is in flight, any number of further commits cause just one more — and spaced at
 * least `minIntervalMs` apart, because each is a round trip and a transaction that serialises on
 * PostgreSQL's notification queue lock: under steady writes one notification per commit cost the write
 * side about a third of its queries. The first commit after a quiet spell is announced at once. A
 * process dying between commit and notify delays subscribers by at most their poll interval.
 */
export class CommitAnnouncer {
  private inFlight: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly notify: () => Promise<unknown>,
    private readonly minIntervalMs = 0,
  ) {}

  announce(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        const started = performance.now();
        await this.notify().catch(() => undefined);
        // Commits during the rest of the interval wait for its end, and then share one notification.
        // Timers count whole milliseconds from the loop's cached clock and can fire up to one early: wait
        // again until the interval has really passed.
        let wait: number;
        while ((wait = this.minIntervalMs - (performance.now() - started)) > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
      } while (this.again);
      this.inFlight = undefined;
    })();
  }

  /** Resolves once no notification is pending (before closing the pool it uses). */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }
}
