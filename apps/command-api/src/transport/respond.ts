import { Logger } from '@nestjs/common';
import { MsgHdrs, Msg } from 'nats';
import { describeError } from '@certm3/common';
import { ERROR_CODES } from '@certm3/domain';
import { NatsConnectionHolder } from '@certm3/app-runtime';

/** NATS's default max_payload, for when the server has not said its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Room for the headers and the protocol line around the payload. */
const HEADROOM = 4 * 1024;

/**
 * Replies with what NATS can carry: a reply larger than the server's max_payload becomes REPLY_TOO_LARGE,
 * and a respond that fails anyway is logged, never thrown. (Regression: respond() threw
 * MAX_PAYLOAD_EXCEEDED outside any try — a 64 KiB body whose error details named every leaf, a 1 MiB
 * command-id header echoed back, or an audit history over 1 MiB — and the unhandled rejection killed the
 * process, again at every restart for the history.)
 */
export function respond(
  message: Msg,
  reply: unknown,
  options: { nats: NatsConnectionHolder; logger: Logger; headers?: MsgHdrs; correlationId?: string },
): void {
  const limit = (options.nats.current?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM;
  let payload = Buffer.from(JSON.stringify(reply));
  if (payload.length > limit) {
    options.logger.warn({
      message: 'reply too large for NATS; answered REPLY_TOO_LARGE',
      subject: message.subject,
      correlationId: options.correlationId,
      bytes: payload.length,
      limit,
    });
    payload = Buffer.from(
      JSON.stringify({
        ok: false,
        error: {
          code: 'REPLY_TOO_LARGE',
          message: ERROR_CODES.REPLY_TOO_LARGE,
          details: [{ field: 'reply', bytes: payload.length, limit }],
        },
      }),
    );
  }
  try {
    message.respond(payload, options.headers ? { headers: options.headers } : undefined);
  } catch (error) {
    options.logger.error({
      message: 'could not send a reply',
      subject: message.subject,
      correlationId: options.correlationId,
      error: describeError(error),
    });
  }
}
