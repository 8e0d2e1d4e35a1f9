import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { CommandReply } from '@certm3/contracts';
import { collect, createEventStore, EventStore } from '@certm3/event-store';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { startCommandApiInProcess } from '../testing/in-process-command-api';

/** Input an adversarial run sent over the wire; each case was accepted, crashed or stalled the service once. */
describe('hostile input over NATS', () => {
  let database: ScratchDatabase;
  let app: INestApplication;
  let client: CommandClient;
  let store: EventStore;
  const prefix = `certm3-hostile-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_hostile');
    app = await startCommandApiInProcess({ EVENT_STORE_URL: database.url, NATS_SUBJECT_PREFIX: prefix });
    client = await CommandClient.connect(prefix);
    store = await createEventStore({ url: database.url });
    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    if (!bootstrap.ok) throw new Error(JSON.stringify(bootstrap));
    client.defaultActorId = bootstrap.data.id;
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  const eventCount = async () => (await collect(store.readAll())).length;
  const deeplyNested = (depth: number) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  const code = (reply: CommandReply) => (reply.ok ? 'ok' : reply.error.code);

  it('answers a body nested 10,000 deep MALFORMED_MESSAGE (regression: INTERNAL, "Maximum call stack size exceeded")', async () => {
    const reply = await client.reply('CreateGroup', undefined, {
      rawBody: Buffer.from(`{"name":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
    });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'MALFORMED_MESSAGE', details: [{ field: 'body', problems: ['nested too deep'] }] },
    });
  });

  it('stays responsive under 1,000 such bodies (regression: they stalled every command for ~4 s)', async () => {
    const before = await eventCount();
    const flood = Array.from({ length: 1_000 }, () =>
      client.reply('CreateGroup', undefined, { rawBody: deeplyNested(10_000) }),
    );
    const served = client.reply('CreateGroup', { name: `amid-the-flood-${randomUUID().slice(0, 8)}` });
    const replies = await Promise.all(flood);
    expect(new Set(replies.map(code))).toEqual(new Set(['MALFORMED_MESSAGE']));
    expect(await served).toMatchObject({ ok: true });
    expect(await eventCount()).toBe(before + 2); // the group and its command's outcome, nothing else
  });

  it('refuses invalid UTF-8 instead of storing U+FFFD (regression: a group "bad\\ufffd\\ufffd\\ufffdutf8" existed)', async () => {
    const before = await eventCount();
    const reply = await client.reply('CreateGroup', undefined, {
      rawBody: Buffer.concat([
        Buffer.from('{"name":"bad'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('utf8"}'),
      ]),
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'MALFORMED_MESSAGE' } });
    expect(await eventCount()).toBe(before);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key like any undeclared field (regression: dropped silently, command accepted)',
    async (key) => {
      const before = await eventCount();
      const reply = await client.reply('CreateGroup', undefined, {
        rawBody: Buffer.from(`{"name":"proto-${randomUUID().slice(0, 8)}","${key}":{"isAdmin":true}}`),
      });
      expect(reply).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          details: [{ field: key, problems: [`property ${key} should not exist`] }],
        },
      });
      expect(await eventCount()).toBe(before);
    },
  );

  it('still accepts a body whose strings hold brackets and escaped quotes', async () => {
    const name = `brackets [[{{ "\\" ${randomUUID().slice(0, 8)}`;
    expect(await client.reply('CreateGroup', { name, description: '['.repeat(100) })).toMatchObject({
      ok: true,
    });
  });
});
