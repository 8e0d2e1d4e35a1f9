/** Sending commands to a command API over NATS, as a client would. */
import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import { commandSubject, HEADERS } from '@certm3/contracts';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export class Sender {
  constructor(
    private readonly nats: NatsConnection,
    private readonly prefix: string,
    public actorId: string | undefined,
  ) {}

  async send(name: string, body: unknown): Promise<{ id: string }> {
    const headers = natsHeaders();
    headers.set(HEADERS.commandId, randomUUID());
    if (this.actorId) headers.set(HEADERS.actorId, this.actorId);
    const response = await this.nats.request(
      commandSubject(name, this.prefix),
      Buffer.from(JSON.stringify(body)),
      { headers, timeout: 30_000 },
    );
    const reply = JSON.parse(Buffer.from(response.data).toString('utf8'));
    if (!reply.ok) throw new Error(`${name} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }
}

/**
 * Connects to NATS and bootstraps the administrator through the command API under `prefix`, retrying
 * while the API is still coming up; the sender returned acts as that administrator.
 */
export async function connectAsAdministrator(
  prefix: string,
): Promise<{ nats: NatsConnection; sender: Sender }> {
  const nats = await connect({ servers: NATS_URL });
  const sender = new Sender(nats, prefix, undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      const admin = await sender.send('BootstrapAdministrator', {
        username: 'admin',
        email: 'admin@example.com',
        password: 'bench password 1234',
      });
      sender.actorId = admin.id;
      return { nats, sender };
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
