import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { headers as natsHeaders, Msg, Subscription } from 'nats';
import { EVENT_STORE, NATS_CONNECTION, NatsConnectionHolder } from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';
import { commandSubjectWildcard, CommandReply, HEADERS, isCommandName } from '@certm3/contracts';
import { describeError, isUuid } from '@certm3/common';
import { failure } from '../execution/command-executor';
import { ExecuteCommand } from '../execution/execute-command';
import { SystemRolesUpgrade } from '../access/system-roles-upgrade';
import { KeyRotationProcess } from '../pki/key-rotation.process';
import { CertificateFingerprintUpgrade } from '../certificates/fingerprint-upgrade';
import { CommandMetrics } from '../metrics/command-metrics';
import { parseCommandMessage } from './parse-command-message';
import { respond } from './respond';
import { whenServing } from './when-serving';

export const COMMAND_TRANSPORT_SETTINGS = Symbol('COMMAND_TRANSPORT_SETTINGS');

export interface CommandTransportSettings {
  /** Subjects are `<prefix>.cmd.<CommandName>`; the queue group is `<prefix>-command-api`. */
  readonly subjectPrefix: string;
  /** Commands processed at once by this instance; further messages wait in the client's buffer. */
  readonly maxInFlight: number;
  /** COMMAND_DIGEST_KEY (see CommandApiSettings). */
  readonly digestKey?: string;
}

/**
 * NATS request-reply in front of the CommandBus (one ExecuteCommand per message, run by its definition). Instances share subjects through a queue group, so each
 * command reaches exactly one of them. Replies always carry the correlation id and are always JSON; no
 * input, however malformed, escapes as an exception.
 */
@Injectable()
export class NatsCommandListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NatsCommandListener');
  private subscription: Subscription | undefined;

  /** Whether it takes commands: only once its start-up work (the upgrades, the vault's keys) is done. */
  get listening(): boolean {
    return this.subscription !== undefined && !this.subscription.isClosed();
  }
  private readonly inFlight = new Set<Promise<void>>();
  /** Commands this instance has answered; with a queue group, instances share the load. */
  handledCount = 0;
  private loop: Promise<void> | undefined;
  /** Resolves once this instance is subscribed (NATS and the event store both answered). */
  ready: Promise<void> = Promise.resolve();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnectionHolder,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(COMMAND_TRANSPORT_SETTINGS) private readonly settings: CommandTransportSettings,
    private readonly commandBus: CommandBus,
    private readonly metrics: CommandMetrics,
    private readonly upgrade: SystemRolesUpgrade,
    private readonly keyRotation: KeyRotationProcess,
    private readonly fingerprints: CertificateFingerprintUpgrade,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.digestKey)
      this.logger.warn(
        'COMMAND_DIGEST_KEY is not set: a command id replayed with another password is answered as a true replay',
      );
    this.ready = whenServing(this.nats, this.store).then(
      async (connection) => {
        // A log written before roles existed gets its system roles before the first command is decided.
        await this.upgrade.ensure();
        // The vault's first key-encryption key is in the log before the first key is sealed under it.
        await this.keyRotation.recordBeforeServing();
        // A log from before fingerprints were reserved gets them for its certificates, once.
        await this.fingerprints.ensure();
        const subject = commandSubjectWildcard(this.settings.subjectPrefix);
        this.subscription = connection.subscribe(subject, {
          queue: `${this.settings.subjectPrefix}-command-api`,
        });
        this.loop = this.consume(this.subscription);
        // Ready once the server has the subscription, not when it is sent: a client on another connection
        // asking at once got "no responders" (regression: a restarted command API's first command).
        await connection.flush().catch(() => undefined);
        this.logger.log({ message: 'listening for commands', subject });
      },
      () => undefined, // closed before it could serve: shutting down
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop taking messages, let the ones already taken finish and reply.
    if (this.subscription && !this.subscription.isClosed()) await this.subscription.drain();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async consume(subscription: Subscription): Promise<void> {
    for await (const message of subscription) {
      while (this.inFlight.size >= this.settings.maxInFlight) await Promise.race(this.inFlight);
      const handling = this.handle(message)
        .catch((error: unknown) =>
          // handle() answers every failure itself; this is the last guard of the process, never reached.
          this.logger.error({ message: 'command handling failed', error: describeError(error) }),
        )
        .finally(() => this.inFlight.delete(handling));
      this.inFlight.add(handling);
    }
  }

  private async handle(message: Msg): Promise<void> {
    if (!message.reply) {
      this.logger.warn({ message: 'command without a reply subject ignored', subject: message.subject });
      return;
    }
    const started = process.hrtime.bigint();
    this.metrics.started();
    const header = (name: string) => {
      const value = message.headers?.get(name);
      return isUuid(value) ? value : '';
    };
    let correlationId = header(HEADERS.correlationId);
    let commandId = header(HEADERS.commandId);
    // Labelled by name only for known commands: metric label values stay bounded whatever is sent.
    const subjectName = message.subject.slice(`${this.settings.subjectPrefix}.cmd.`.length);
    const commandName = isCommandName(subjectName) ? subjectName : 'unknown';
    let reply: CommandReply;
    try {
      const parsed = await parseCommandMessage(
        {
          subject: message.subject,
          data: message.data,
          header: (name) => message.headers?.get(name) || undefined,
        },
        this.settings.subjectPrefix,
        this.settings.digestKey,
      );
      if (!parsed.ok) {
        correlationId = parsed.correlationId;
        reply = parsed.reply;
      } else {
        correlationId = parsed.context.correlationId;
        commandId = parsed.context.commandId;
        reply = await this.commandBus.execute(new ExecuteCommand(parsed.name, parsed.body, parsed.context));
      }
    } catch (error) {
      this.logger.error({
        message: 'unexpected failure handling a command',
        subject: message.subject,
        correlationId,
        error: describeError(error),
      });
      reply = failure('INTERNAL', `An unexpected error; correlation id: ${correlationId}`, []);
    }
    this.metrics.answered(
      commandName,
      reply.ok ? 'ok' : reply.error.code,
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    const headers = natsHeaders();
    // Only what was validated is echoed or logged: a header is the sender's text, of any size.
    if (correlationId) headers.set(HEADERS.correlationId, correlationId);
    if (commandId) headers.set(HEADERS.commandId, commandId);
    respond(message, reply, { nats: this.nats, logger: this.logger, headers, correlationId });
    this.handledCount++;
  }
}
