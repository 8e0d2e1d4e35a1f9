import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { createEventStore, EventStore } from '@certm3/event-store';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { startCommandApiInProcess } from './in-process-command-api';

/**
 * Test support: a command API in the test process on a PostgreSQL event store of its own, a client on a
 * subject prefix of its own, and the administrator bootstrapped (the client's default actor).
 */
export class CommandApiTestStack {
  private constructor(
    readonly database: ScratchDatabase,
    readonly app: INestApplication,
    readonly client: CommandClient,
    readonly store: EventStore,
    readonly adminId: string,
    /** The NATS subject prefix the command API listens under. */
    readonly prefix: string,
  ) {}

  static async start(name: string, env: Record<string, string> = {}): Promise<CommandApiTestStack> {
    const database = await createScratchDatabase(`certm3_${name}`);
    const prefix = `certm3-${name}-${randomUUID().slice(0, 8)}`;
    const app = await startCommandApiInProcess({
      EVENT_STORE_URL: database.url,
      NATS_SUBJECT_PREFIX: prefix,
      ...env,
    });
    const client = await CommandClient.connect(prefix);
    const store = await createEventStore({ url: database.url });
    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    if (!bootstrap.ok) throw new Error(`bootstrap failed: ${JSON.stringify(bootstrap)}`);
    client.defaultActorId = bootstrap.data.id;
    return new CommandApiTestStack(database, app, client, store, bootstrap.data.id, prefix);
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.app.close();
    await this.store.close();
    await this.database.drop();
  }
}
