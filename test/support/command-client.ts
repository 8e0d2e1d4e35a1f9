import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import { commandSubject, CommandReply, HEADERS } from '@certm3/contracts';

export interface SendOptions {
  commandId?: string;
  actorId?: string | null;
  correlationId?: string;
  /** Raw bytes instead of JSON.stringify(body), for malformed-input tests. */
  rawBody?: Uint8Array;
  headers?: Record<string, string>;
}

/** A service sending commands over NATS request-reply, as any caller in any language would. */
export class CommandClient {
  private constructor(
    readonly connection: NatsConnection,
    private readonly subjectPrefix: string,
    /** Used as actor-id when a send names none. */
    public defaultActorId?: string,
  ) {}

  static async connect(
    subjectPrefix: string,
    url = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  ): Promise<CommandClient> {
    return new CommandClient(await connect({ servers: url }), subjectPrefix);
  }

  async send(
    name: string,
    body: unknown,
    options: SendOptions = {},
  ): Promise<{ reply: CommandReply; headers: Record<string, string> }> {
    const headers = natsHeaders();
    headers.set(HEADERS.commandId, options.commandId ?? randomUUID());
    const actorId = options.actorId === undefined ? this.defaultActorId : options.actorId;
    if (actorId) headers.set(HEADERS.actorId, actorId);
    if (options.correlationId) headers.set(HEADERS.correlationId, options.correlationId);
    for (const [key, value] of Object.entries(options.headers ?? {})) headers.set(key, value);
    const data = options.rawBody ?? Buffer.from(JSON.stringify(body));
    const response = await this.connection.request(commandSubject(name, this.subjectPrefix), data, {
      timeout: 20_000,
      headers,
    });
    const replyHeaders: Record<string, string> = {};
    for (const [key] of response.headers ?? []) replyHeaders[key] = response.headers!.get(key);
    return {
      reply: JSON.parse(Buffer.from(response.data).toString('utf8')) as CommandReply,
      headers: replyHeaders,
    };
  }

  /** Sends and returns the reply only. */
  async reply(name: string, body: unknown, options: SendOptions = {}): Promise<CommandReply> {
    return (await this.send(name, body, options)).reply;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
