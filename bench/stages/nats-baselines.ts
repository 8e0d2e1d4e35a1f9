/** Raw NATS baselines: request-reply to an echo responder, 1 and 64 in flight — what carries a command. */
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { runClosedLoop } from '../measure';
import { NATS_URL } from '../support/commands';

export async function natsBaselines() {
  const responder = await connect({ servers: NATS_URL });
  const subject = `bench.echo.${randomUUID()}`;
  responder.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await responder.flush();
  const client = await connect({ servers: NATS_URL });
  const body = Buffer.from('{"ping":true}');
  const request = () => client.request(subject, body, { timeout: 5_000 });
  const c1 = await runClosedLoop(1, 5_000, request, 8);
  const c64 = await runClosedLoop(64, 40_000, request, 8);
  await client.close();
  await responder.close();
  return { c1, c64 };
}

export type NatsBaselines = Awaited<ReturnType<typeof natsBaselines>>;
