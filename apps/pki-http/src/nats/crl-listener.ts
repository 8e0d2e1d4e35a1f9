import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, Subscription } from 'nats';
import { describeError, isUuid } from '@certm3/common';
import { NATS_CONNECTION, NatsConnectionHolder } from '@certm3/app-runtime';
import { pkiCrlSubject } from '@certm3/contracts';
import { ERROR_CODES, ErrorCode } from '@certm3/domain';
import { CrlPublisher } from '../crl/crl-publisher';

export const PKI_SUBJECT_PREFIX = Symbol('PKI_SUBJECT_PREFIX');

/** NATS's default max_payload, for when the server has not said its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const HEADROOM = 4 * 1024;

const failure = (code: ErrorCode, details: readonly Record<string, unknown>[] = [], message?: string) => ({
  ok: false,
  error: { code, message: message ?? ERROR_CODES[code], details },
});

/**
 * The current CRL over NATS request-reply, for services inside: `<prefix>.pki.crl` with `{"caId":"…"}`
 * answers `{"ok":true,"data":{"caId","crlNumber","thisUpdate","nextUpdate","crl":<base64 DER>}}`, errors in
 * the command API's envelope (MALFORMED_MESSAGE, VALIDATION_FAILED, NOT_FOUND, UNAVAILABLE, and
 * REPLY_TOO_LARGE for a CRL over the server's max_payload: fetch it over HTTP then). Instances share the
 * subject in a queue group.
 */
@Injectable()
export class CrlNatsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CrlNatsListener');
  private subscription: Subscription | undefined;
  ready: Promise<void> = Promise.resolve();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnectionHolder,
    @Inject(PKI_SUBJECT_PREFIX) private readonly prefix: string,
    private readonly crls: CrlPublisher,
  ) {}

  get listening(): boolean {
    return this.subscription !== undefined && !this.subscription.isClosed();
  }

  onApplicationBootstrap(): void {
    this.ready = this.nats.whenReady().then(
      async (connection) => {
        this.subscription = connection.subscribe(pkiCrlSubject(this.prefix), {
          queue: `${this.prefix}-pki`,
          callback: (_error, message) => void this.handle(message),
        });
        // Ready once the server has the subscription (see NatsCommandListener).
        await connection.flush().catch(() => undefined);
      },
      () => undefined, // closed before it connected: shutting down
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription && !this.subscription.isClosed()) await this.subscription.drain();
  }

  private async handle(message: Msg): Promise<void> {
    if (!message.reply) return;
    let reply: unknown;
    try {
      reply = await this.answer(message.data);
    } catch (error) {
      this.logger.error({ message: 'CRL request failed', error: describeError(error) });
      reply = failure('UNAVAILABLE', [], 'the CRL could not be read; retrying later may succeed');
    }
    const limit = (this.nats.current?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM;
    let payload = Buffer.from(JSON.stringify(reply));
    if (payload.length > limit)
      payload = Buffer.from(
        JSON.stringify(failure('REPLY_TOO_LARGE', [{ field: 'crl', bytes: payload.length, limit }])),
      );
    try {
      message.respond(payload);
    } catch (error) {
      this.logger.error({ message: 'could not send a reply', error: describeError(error) });
    }
  }

  private async answer(data: Uint8Array): Promise<unknown> {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    } catch {
      return failure('MALFORMED_MESSAGE', [], 'the body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return failure('VALIDATION_FAILED', [{ field: '', message: 'must be an object' }]);
    const unknown = Object.keys(body).filter((key) => key !== 'caId');
    if (unknown.length > 0)
      return failure(
        'VALIDATION_FAILED',
        unknown.map((field) => ({ field, message: 'is not a field of this request' })),
      );
    const caId = (body as { caId?: unknown }).caId;
    if (!isUuid(caId)) return failure('VALIDATION_FAILED', [{ field: 'caId', message: 'must be a UUID' }]);
    const crl = this.crls.crl(caId.toLowerCase());
    if (!crl) {
      if (!this.crls.isCaughtUp() || this.crls.knows(caId.toLowerCase()))
        return failure('UNAVAILABLE', [{ caId }], 'no CRL has been issued for the authority yet');
      return failure('NOT_FOUND', [{ caId }], 'no such certificate authority');
    }
    return {
      ok: true,
      data: {
        caId: crl.caId,
        crlNumber: Number(crl.crlNumber),
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate.toISOString(),
        crl: crl.der.toString('base64'),
      },
    };
  }
}
