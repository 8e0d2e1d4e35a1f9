import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { describeError } from '@certm3/common';
import { notificationSubject } from '@certm3/contracts';
import { DomainEvent, expiryDue, isEventType, NotificationEvent, upcastEventData } from '@certm3/domain';
import { EVENT_STORE, NATS_CONNECTION, NatsConnectionHolder } from '@certm3/app-runtime';
import {
  EventStore,
  eventIdFor,
  EventStoreUnavailableError,
  GlobalPosition,
  RecordedEvent,
} from '@certm3/event-store';
import { ensureDatabase } from '@certm3/pg-support';
import { CommandExecutor } from '../execution/command-executor';
import { InternalCommandRefused, runInternalCommand } from '../execution/run-internal-command';
import { CertificateLedger, TrackedCertificate } from './certificate-ledger';
import {
  createNotificationsDefinition,
  DeliveryAttempt,
  EXPIRY_BATCH_SIZE,
  NOTIFICATION_BATCH_SIZE,
  NotificationToCreate,
  recordCertificateExpiryDefinition,
  recordNotificationDeliveryDefinition,
} from './lifecycle.definitions';
import { notificationsFor } from './notification-rules';
import { backoffMs, postWebhook, WebhookSettings } from './webhook';

export const LIFECYCLE_SETTINGS = Symbol('LIFECYCLE_SETTINGS');
/** What the auto-renewal asks of the renewal commands (pki/renewal.definitions.ts). */
export const AUTO_RENEWAL = Symbol('AUTO_RENEWAL');

export interface LifecycleSettings {
  /** Its own database: who leads (an advisory lock) and how far notifications were made (a checkpoint). */
  readonly databaseUrl: string;
  /** The event log it follows (EVENT_STORE_URL): one leader per log, whatever shares the database. */
  readonly eventLog: string;
  /** How late, at most, an expiry is recorded (EXPIRY_CHECK_SECONDS). */
  readonly expiryCheckMs: number;
  /** The commands' clock (see CommandServices.clock): due is judged by the time commands are decided at. */
  readonly clock: () => number;
  readonly webhook?: WebhookSettings;
  readonly subjectPrefix: string;
  /** How long a lost leader's lock is waited for before asking again. */
  readonly leadershipRetryMs?: number;
}

export interface AutoRenewal {
  /** Renews a certificate as the system actor, under the given command id; throws InternalCommandRefused. */
  renew(certificateId: string, commandId: string): Promise<void>;
}

/** The advisory lock key and checkpoint name of one event log's lifecycle process (credentials left out). */
function logIdentity(eventLog: string): { lockKey: bigint; name: string } {
  const url = new URL(eventLog);
  url.username = '';
  url.password = '';
  const digest = createHash('sha256').update(`certm3-lifecycle:${url.toString()}`).digest();
  return { lockKey: digest.readBigInt64BE(0), name: `notifications:${digest.toString('hex', 0, 8)}` };
}
/** A mark sent and not yet seen in the log is not sent again for this long (a replay would answer it). */
const RESEND_AFTER_MS = 30_000;
/** Notifications are made at most this long after their cause, or sooner once a batch is full. */
const NOTIFY_FLUSH_MS = 100;

interface PendingDelivery {
  readonly notification: NotificationToCreate;
  nats: 'pending' | 'done';
  webhook: { status: 'pending' | 'done'; attempts: number; nextAttemptAt: number };
  busy: boolean;
}

function after(position: GlobalPosition, checkpoint: GlobalPosition | null): boolean {
  if (!checkpoint) return true;
  return (
    position.commit > checkpoint.commit ||
    (position.commit === checkpoint.commit && position.prepare > checkpoint.prepare)
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The time-driven side of certificates, on one instance at a time (a PostgreSQL advisory lock; the others
 * wait to take over): it folds the whole log into a ledger of certificates and policies and, from it,
 * - records what time has made due (expiring within the policy's renewal threshold, reminders at 7 and 1
 *   days, expired past notAfter), at most EXPIRY_CHECK_SECONDS late, in batches;
 * - renews server-side keys under an auto_renewal policy once they are expiring;
 * - makes the notifications events call for (one per cause: its stream id is derived from the cause) and
 *   delivers them on NATS (`<prefix>.notifications.<userId>`) and to the webhook, recording each attempt.
 * Every effect is a command with a deterministic id whose decision adds only what is missing, so a process
 * killed at any instant and started again (here or on another instance) neither loses nor repeats one.
 */
@Injectable()
export class LifecycleProcess implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LifecycleProcess');
  private stopped = false;
  private running: Promise<void> | undefined;
  private client: Client | undefined;
  private subscription: { close(): Promise<void> } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private ledger = new CertificateLedger();
  private checkpoint: GlobalPosition | null = null;
  private caughtUp = false;
  private queued: NotificationToCreate[] = [];
  private queuedUpTo: GlobalPosition | null = null;
  private flushing: Promise<void> | undefined;
  private deliveries = new Map<string, PendingDelivery>();
  private sent = new Map<string, number>();
  private ticking = false;
  private renewing = false;
  private delivering = false;
  private readonly renewalAttempts = new Map<string, number>();
  /** Notifications about what happened before this instant (ms) are not the webhook's: it came after. */
  private webhookSince = Number.POSITIVE_INFINITY;
  /** What happened before this instant (ms) is history, not news (see leadWhileAllowed). */
  private historyBefore = 0;
  /** When this process started, by the commands' clock. */
  private readonly startedAt: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly identity: { lockKey: bigint; name: string };
  /** Whether this instance leads now (for tests and the health page). */
  leading = false;

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnectionHolder,
    @Inject(LIFECYCLE_SETTINGS) private readonly settings: LifecycleSettings,
    @Inject(AUTO_RENEWAL) private readonly autoRenewal: AutoRenewal,
  ) {
    this.identity = logIdentity(settings.eventLog);
    this.startedAt = settings.clock();
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.leadWhileAllowed();
      } catch (error) {
        // An event store or database not reachable yet (at start) is waited for, quietly.
        if (!this.stopped && !(error instanceof EventStoreUnavailableError))
          this.logger.warn({
            message: 'lifecycle process stopped leading; it tries again',
            error: describeError(error),
          });
      } finally {
        await this.stepDown();
      }
      if (!this.stopped) await sleep(this.settings.leadershipRetryMs ?? 2_000);
    }
  }

  private async leadWhileAllowed(): Promise<void> {
    await ensureDatabase(this.settings.databaseUrl);
    // A leader whose host vanished must lose the lock in seconds, not when the server's keepalive gives up.
    const client = new Client({
      connectionString: this.settings.databaseUrl,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      statement_timeout: 30_000,
    });
    this.client = client;
    // A lost connection loses the lock: stop leading at once, another instance may have it already.
    const lost = new Promise<never>((_, reject) => client.on('error', reject));
    lost.catch(() => undefined);
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      this.identity.lockKey.toString(),
    ]);
    if (!rows[0]!.locked) return;
    await client.query(
      `CREATE TABLE IF NOT EXISTS lifecycle_checkpoints (
         name text PRIMARY KEY, commit_position numeric NOT NULL, prepare_position numeric NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now())`,
    );
    this.checkpoint = await this.readCheckpoint(this.identity.name);
    const head = await this.headPosition();
    const historyMarker = `${this.identity.name}:history-before`;
    if (!this.checkpoint) {
      // First run on this log: what happened before the notifier existed is history, not news. Dated by
      // when this process started, not by where the log was when it came to lead: commands served in
      // between (the event store connecting late) are news.
      this.checkpoint = { commit: -1n, prepare: -1n };
      await this.writeInstant(historyMarker, this.startedAt);
      await this.writeCheckpoint(this.identity.name, this.checkpoint);
    }
    this.historyBefore = (await this.readInstant(historyMarker)) ?? 0;
    const webhookMarker = `${this.identity.name}:webhook-since`;
    if (this.settings.webhook) {
      const since = await this.readInstant(webhookMarker);
      if (since === null) await this.writeInstant(webhookMarker, this.startedAt);
      this.webhookSince = since ?? this.startedAt;
    } else {
      // Set up again later, it starts from then, not from when it was last set up.
      await client.query('DELETE FROM lifecycle_checkpoints WHERE name = $1', [webhookMarker]);
    }
    this.leading = true;
    this.logger.log({ message: 'lifecycle process leads', checkpoint: String(this.checkpoint.commit) });
    this.ledger = new CertificateLedger();
    this.caughtUp = head === null;
    this.timers.push(
      setInterval(() => this.track(this.tick()), Math.min(this.settings.expiryCheckMs, 1_000)),
      setInterval(() => this.track(this.renewDue()), 1_000),
      setInterval(() => void this.flush(), NOTIFY_FLUSH_MS),
      setInterval(() => this.track(this.deliver()), 250),
    );
    for (const timer of this.timers) timer.unref();
    await Promise.race([this.follow(head), lost]);
  }

  private async follow(head: GlobalPosition | null): Promise<void> {
    const subscription = this.store.subscribeToAll({ from: 'start' });
    this.subscription = subscription;
    for await (const recorded of subscription) {
      if (this.stopped) break;
      this.apply(recorded);
      if (!this.caughtUp && head && !after(head, recorded.position)) {
        this.caughtUp = true;
        this.logger.log({ message: 'lifecycle ledger caught up', certificates: this.ledger.size });
      }
      if (this.queued.length >= NOTIFICATION_BATCH_SIZE) await this.flush();
    }
  }

  private apply(recorded: RecordedEvent): void {
    if (!isEventType(recorded.type)) return;
    const metadata = recorded.metadata as { occurredAt?: string; eventId?: string };
    const event = {
      type: recorded.type,
      data: upcastEventData(recorded.type, recorded.data, recorded.metadata),
    } as DomainEvent;
    this.ledger.apply(event);
    this.trackDelivery(event);
    const occurredAt = metadata.occurredAt ?? recorded.recordedAt.toISOString();
    if (after(recorded.position, this.checkpoint) && Date.parse(occurredAt) >= this.historyBefore) {
      const made = notificationsFor(
        event,
        {
          eventId: metadata.eventId ?? recorded.id,
          occurredAt,
        },
        this.ledger,
      );
      this.queued.push(...made);
    }
    // Past the checkpoint, whether it made any or not: the checkpoint moves on with it.
    if (after(recorded.position, this.checkpoint)) this.queuedUpTo = recorded.position;
  }

  /** Remembers work in progress, so that stepping down waits for it before another instance may lead. */
  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** What the log says of each notification's delivery: the pending ones are delivered once caught up. */
  private trackDelivery(event: DomainEvent): void {
    if (event.type !== 'NotificationCreated' && event.type !== 'NotificationDeliveryAttempted') return;
    const data = (event as NotificationEvent).data;
    if (event.type === 'NotificationCreated') {
      const created = event.data;
      // Made before the webhook was set up: not the webhook's (else setting one up floods it with history).
      const forWebhook =
        this.settings.webhook !== undefined && Date.parse(created.createdAt) >= this.webhookSince;
      this.deliveries.set(created.notificationId, {
        notification: created,
        nats: 'pending',
        webhook: { status: forWebhook ? 'pending' : 'done', attempts: 0, nextAttemptAt: 0 },
        busy: false,
      });
      return;
    }
    const delivery = this.deliveries.get(data.notificationId);
    if (!delivery || event.type !== 'NotificationDeliveryAttempted') return;
    const attempt = event.data;
    if (attempt.channel === 'nats') delivery.nats = 'done';
    else
      delivery.webhook = {
        status: attempt.status === 'retrying' ? 'pending' : 'done',
        attempts: Math.max(delivery.webhook.attempts, attempt.attempts),
        nextAttemptAt: attempt.nextAttemptAt ? Date.parse(attempt.nextAttemptAt) : 0,
      };
    if (delivery.nats === 'done' && delivery.webhook.status === 'done')
      this.deliveries.delete(data.notificationId);
  }

  /** Creates the queued notifications, then moves the checkpoint past their causes. */
  private flush(): Promise<void> {
    if (this.flushing || !this.leading) return this.flushing ?? Promise.resolve();
    this.flushing = (async () => {
      try {
        while (this.queued.length > 0 || this.queuedUpTo) {
          const batch = this.queued.slice(0, NOTIFICATION_BATCH_SIZE);
          const upTo = batch.length === this.queued.length ? this.queuedUpTo : null;
          if (batch.length > 0)
            await this.runOwn(
              createNotificationsDefinition,
              { notifications: batch },
              'lifecycle/notifications',
              batch.map((notification) => notification.notificationId),
            );
          this.queued.splice(0, batch.length);
          if (upTo) {
            // Events that came in meanwhile moved it on: those are the next round's.
            if (this.queuedUpTo === upTo) this.queuedUpTo = null;
            this.checkpoint = upTo;
            await this.writeCheckpoint(this.identity.name, upTo);
          }
          if (batch.length === 0) break;
        }
      } catch (error) {
        this.logger.warn({
          message: 'could not make notifications yet; retried',
          error: describeError(error),
        });
      }
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Sends what time has made due: marks, then renewals. */
  private async tick(): Promise<void> {
    if (this.ticking || !this.leading || !this.caughtUp) return;
    this.ticking = true;
    try {
      const now = this.settings.clock();
      const nowIso = new Date(now).toISOString();
      const byMilestone = new Map<string, TrackedCertificate[]>();
      for (const certificate of this.ledger.dueAt(now)) {
        const due = expiryDue(certificate, nowIso, this.ledger.thresholdDays(certificate));
        if (due.length === 0) continue;
        const milestone = due
          .map((event) =>
            event.type === 'CertificateExpiryReminderDue' ? `reminder-${event.data.withinDays}` : event.type,
          )
          .join('+');
        if (!this.sendable(`${certificate.certificateId}/${milestone}`, now)) continue;
        const group = byMilestone.get(milestone);
        // Pushed, not copied: 100,000 certificates due at once made this quadratic (a minute and a half).
        if (group) group.push(certificate);
        else byMilestone.set(milestone, [certificate]);
      }
      for (const [milestone, certificates] of byMilestone)
        for (let start = 0; start < certificates.length && !this.stopped; start += EXPIRY_BATCH_SIZE) {
          const batch = certificates.slice(start, start + EXPIRY_BATCH_SIZE);
          const ids = batch.map((certificate) => certificate.certificateId);
          // The id names what the ledger had seen of each certificate: a batch decided on a ledger behind
          // the log (a hold it had not seen) records nothing, and the next try, seeing more, is a new command.
          await this.runOwn(
            recordCertificateExpiryDefinition,
            { certificateIds: ids },
            `lifecycle/expiry/${milestone}`,
            batch.map((certificate) => `${certificate.certificateId}@${certificate.version}`),
          );
        }
    } catch (error) {
      this.logger.warn({ message: 'expiry check failed; retried', error: describeError(error) });
    } finally {
      this.ticking = false;
    }
  }

  /** Renews what its policy says to renew, apart from the marks (a renewal makes a key and signs). */
  private async renewDue(): Promise<void> {
    if (this.renewing || !this.leading || !this.caughtUp) return;
    this.renewing = true;
    try {
      for (const certificate of this.renewable(this.settings.clock())) {
        if (this.stopped || !this.leading) break;
        // One renewal, whatever the attempts: a second one is CERTIFICATE_ALREADY_RENEWED. A refused attempt
        // (the policy inactive for a while, the owner suspended) is recorded under its id, so the next
        // attempt has its own.
        const attempt = this.renewalAttempts.get(certificate.certificateId) ?? 0;
        const commandId = eventIdFor('lifecycle/renewal', `${certificate.certificateId}/${attempt}`);
        try {
          await this.autoRenewal.renew(certificate.certificateId, commandId);
          this.renewalAttempts.delete(certificate.certificateId);
        } catch (error) {
          if (error instanceof InternalCommandRefused && error.code === 'CERTIFICATE_ALREADY_RENEWED')
            continue;
          this.renewalAttempts.set(certificate.certificateId, attempt + 1);
          // Said once per certificate, not every round.
          if (attempt === 0)
            this.logger.warn({
              message: 'auto-renewal refused; retried every 30 s while it is expiring',
              certificateId: certificate.certificateId,
              error: describeError(error),
            });
        }
      }
    } finally {
      this.renewing = false;
    }
  }

  private renewable(now: number): TrackedCertificate[] {
    const renewable: TrackedCertificate[] = [];
    for (const certificate of this.ledger.expiring())
      if (this.ledger.autoRenews(certificate) && this.sendable(`${certificate.certificateId}/renewal`, now))
        renewable.push(certificate);
    return renewable;
  }

  private sendable(key: string, now: number): boolean {
    const sentAt = this.sent.get(key);
    if (sentAt !== undefined && now - sentAt < RESEND_AFTER_MS) return false;
    this.sent.set(key, now);
    if (this.sent.size > 500_000)
      for (const [old, at] of this.sent) if (now - at >= RESEND_AFTER_MS) this.sent.delete(old);
    return true;
  }

  private async runOwn(
    definition: Parameters<typeof runInternalCommand>[1],
    body: object,
    kind: string,
    ids: readonly string[],
  ) {
    try {
      await runInternalCommand(this.executor, definition, body, undefined, {
        commandId: eventIdFor(kind, ids.join(',')),
      });
    } catch (error) {
      // Someone used the derived id first (ids are derivable from public data): the decision adds only
      // what is missing, so under a fresh id it is still one effect.
      if (error instanceof InternalCommandRefused && error.code === 'COMMAND_ID_REUSED')
        await runInternalCommand(this.executor, definition, body);
      else throw error;
    }
  }

  /**
   * Delivers pending notifications, recording every attempt: first all of NATS (quick, local), then the
   * webhook, whose slow or failing receiver must not hold the bus's subscribers back.
   */
  private async deliver(): Promise<void> {
    if (this.delivering || !this.leading || !this.caughtUp || this.deliveries.size === 0) return;
    this.delivering = true;
    try {
      for (const channel of ['nats', 'webhook'] as const) {
        const now = Date.now();
        const work: Promise<void>[] = [];
        for (const delivery of this.deliveries.values()) {
          if (this.stopped || !this.leading) return;
          if (delivery.busy) continue;
          const due =
            channel === 'nats'
              ? delivery.nats === 'pending'
              : delivery.webhook.status === 'pending' && delivery.webhook.nextAttemptAt <= now;
          if (!due) continue;
          delivery.busy = true;
          work.push(
            (channel === 'nats' ? this.deliverOnNats(delivery) : this.deliverToWebhook(delivery)).finally(
              () => {
                delivery.busy = false;
                if (delivery.nats === 'done' && delivery.webhook.status === 'done')
                  this.deliveries.delete(delivery.notification.notificationId);
              },
            ),
          );
          if (work.length >= 32) await Promise.all(work.splice(0));
        }
        await Promise.all(work);
      }
    } finally {
      this.delivering = false;
    }
  }

  private bodyOf({ notification }: PendingDelivery): string {
    return JSON.stringify({
      notificationId: notification.notificationId,
      userId: notification.userId,
      notificationType: notification.notificationType,
      title: notification.title,
      message: notification.message,
      resourceType: notification.resourceType,
      resourceId: notification.resourceId,
      createdAt: notification.createdAt,
    });
  }

  private async deliverOnNats(delivery: PendingDelivery): Promise<void> {
    const { notification } = delivery;
    const connection = this.nats.current;
    if (!connection) return;
    try {
      connection.publish(
        notificationSubject(notification.userId, this.settings.subjectPrefix),
        this.bodyOf(delivery),
      );
      await this.record({
        notificationId: notification.notificationId,
        channel: 'nats',
        status: 'delivered',
        attempts: 1,
      });
      delivery.nats = 'done';
    } catch (error) {
      this.logger.warn({
        message: 'could not publish a notification yet; retried',
        notificationId: notification.notificationId,
        error: describeError(error),
      });
    }
  }

  private async deliverToWebhook(delivery: PendingDelivery): Promise<void> {
    const webhook = this.settings.webhook;
    if (!webhook) return;
    const { notification } = delivery;
    const attempts = delivery.webhook.attempts + 1;
    try {
      const result = await postWebhook(webhook, notification.notificationId, this.bodyOf(delivery));
      const base = { notificationId: notification.notificationId, channel: 'webhook' as const, attempts };
      const attempt: DeliveryAttempt = result.ok
        ? { ...base, status: 'delivered' }
        : attempts >= webhook.maxAttempts
          ? { ...base, status: 'abandoned', error: result.error }
          : {
              ...base,
              status: 'retrying',
              error: result.error,
              nextAttemptAt: new Date(Date.now() + backoffMs(attempts)).toISOString(),
            };
      await this.record(attempt);
      delivery.webhook = {
        status: attempt.status === 'retrying' ? 'pending' : 'done',
        attempts,
        nextAttemptAt: attempt.nextAttemptAt ? Date.parse(attempt.nextAttemptAt) : 0,
      };
    } catch (error) {
      this.logger.warn({
        message: 'could not record a webhook delivery yet; retried',
        notificationId: notification.notificationId,
        error: describeError(error),
      });
    }
  }

  private async record(attempt: DeliveryAttempt): Promise<void> {
    await this.runOwn(recordNotificationDeliveryDefinition, attempt, 'lifecycle/delivery', [
      attempt.notificationId,
      attempt.channel,
      String(attempt.attempts),
    ]);
  }

  private async headPosition(): Promise<GlobalPosition | null> {
    for await (const event of this.store.readAll({ direction: 'backwards', from: 'end', maxCount: 1 }))
      return event.position;
    return null;
  }

  /** An instant (ms since the epoch) kept in the checkpoint table, in its commit column. */
  private async readInstant(name: string): Promise<number | null> {
    const position = await this.readCheckpoint(name);
    return position ? Number(position.commit) : null;
  }

  private async writeInstant(name: string, at: number): Promise<void> {
    await this.writeCheckpoint(name, { commit: BigInt(at), prepare: 0n });
  }

  private async readCheckpoint(name: string): Promise<GlobalPosition | null> {
    const { rows } = await this.client!.query<{ commit_position: string; prepare_position: string }>(
      `SELECT commit_position, prepare_position FROM lifecycle_checkpoints WHERE name = $1`,
      [name],
    );
    return rows[0]
      ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) }
      : null;
  }

  private async writeCheckpoint(name: string, position: GlobalPosition): Promise<void> {
    await this.client!.query(
      `INSERT INTO lifecycle_checkpoints (name, commit_position, prepare_position) VALUES ($3, $1, $2)
       ON CONFLICT (name) DO UPDATE SET commit_position = $1, prepare_position = $2, updated_at = now()`,
      [position.commit.toString(), position.prepare.toString(), name],
    );
  }

  private async stepDown(): Promise<void> {
    this.leading = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.subscription?.close().catch(() => undefined);
    this.subscription = undefined;
    await this.flushing;
    await Promise.allSettled([...this.inFlight]);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    this.queued = [];
    this.queuedUpTo = null;
    this.deliveries.clear();
    this.sent.clear();
    this.renewalAttempts.clear();
    this.webhookSince = Number.POSITIVE_INFINITY;
  }
}
