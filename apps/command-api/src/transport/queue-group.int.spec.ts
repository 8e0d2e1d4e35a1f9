import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { startCommandApiInProcess } from '../testing/in-process-command-api';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { NatsCommandListener } from './nats-command-listener';

// Two command-api instances on one NATS: the queue group gives each command to exactly one of them.
describe('command API instances sharing the load', () => {
  let database: ScratchDatabase;
  const apps: INestApplication[] = [];
  let client: CommandClient;
  const prefix = `certm3-queue-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_queue');
    for (let instance = 0; instance < 2; instance++) {
      apps.push(
        await startCommandApiInProcess({
          EVENT_STORE_URL: database.url,
          NATS_SUBJECT_PREFIX: prefix,
        }),
      );
    }
    client = await CommandClient.connect(prefix);
  });
  afterAll(async () => {
    await client?.close();
    for (const app of apps) await app.close();
    await database?.drop();
  });

  it('answers every command exactly once, from both instances', async () => {
    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'a', email: 'a@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    if (!bootstrap.ok) throw new Error(JSON.stringify(bootstrap));
    client.defaultActorId = bootstrap.data.id;
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, index) => client.reply('CreateGroup', { name: `shared-${index}` })),
    );
    expect(replies.every((reply) => reply.ok)).toBe(true);
    const handled = apps.map((app) => app.get(NatsCommandListener).handledCount);
    expect(handled[0] + handled[1]).toBe(61);
    expect(handled[0]).toBeGreaterThan(0);
    expect(handled[1]).toBeGreaterThan(0);
  });
});
