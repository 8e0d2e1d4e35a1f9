import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from 'nats';
import { CommandReply } from '@certm3/contracts';
import { collect, EventStore } from '@certm3/event-store';
import { createCertificateWithUnreadableValidity } from '@certm3/test-support/certificates';
import { CommandClient } from '@certm3/test-support/command-client';
import { CommandApiTestStack } from '../testing/command-api-test-stack';

/** Input an adversarial run sent over the wire; each case was accepted, crashed or stalled the service once. */
describe('hostile input over NATS', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('hostile');
    ({ client, store } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
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

  describe('replies larger than NATS carries (regression: each killed the process)', () => {
    const alive = async () =>
      expect(
        await client.reply('CreateGroup', { name: `still-alive-${randomUUID().slice(0, 8)}` }),
      ).toMatchObject({
        ok: true,
      });

    it('bounds the details of a refusal: a NUL in each of 7,000 nested strings, sent without an actor', async () => {
      const leaves = Array.from({ length: 7_273 }, () => '"\\u0000"').join(',');
      const body = `{"username":${'['.repeat(30)}${leaves}${']'.repeat(30)}}`;
      expect(body.length).toBeLessThanOrEqual(65_536);
      const reply = await client.reply('BootstrapAdministrator', undefined, {
        rawBody: Buffer.from(body),
        actorId: null,
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      if (!reply.ok) {
        expect(reply.error.details).toHaveLength(21);
        expect(reply.error.details[20]).toEqual({ field: 'body', problems: ['and 7253 more problems'] });
      }
      await alive();
    });

    it('never echoes a command-id header that is not a UUID (1 MB of it)', async () => {
      const { reply, headers } = await client.send(
        'CreateGroup',
        { name: 'x' },
        { commandId: 'x'.repeat(1_000_000) },
      );
      expect(reply).toMatchObject({ ok: false, error: { code: 'MALFORMED_MESSAGE' } });
      expect(headers['command-id']).toBeUndefined();
      await alive();
    });

    it('answers an audit history over 1 MiB REPLY_TOO_LARGE', async () => {
      const name = `chatty-${randomUUID().slice(0, 8)}`;
      expect(await client.reply('CreateGroup', { name })).toMatchObject({ ok: true });
      for (let index = 0; index < 110; index++)
        await client.reply('UpdateGroup', { name, description: String(index % 10).repeat(10_000) });
      const response = await client.connection.request(
        `${stack.prefix}.audit.history`,
        Buffer.from(JSON.stringify({ kind: 'group', id: name })),
        { timeout: 20_000, headers: actorHeaders(stack.adminId) },
      );
      expect(JSON.parse(Buffer.from(response.data).toString('utf8'))).toMatchObject({
        ok: false,
        error: { code: 'REPLY_TOO_LARGE' },
      });
      await alive();
    });
  });

  it('knows one spelling of an id: upper case names the same user (regression: a second user under one UUID halted the projector)', async () => {
    const id = randomUUID();
    const register = (userId: string, email: string) =>
      client.reply('RegisterUser', {
        id: userId,
        username: 'cased',
        email,
        password: 'a long enough password',
      });
    expect(await register(id.toUpperCase(), `${randomUUID()}@example.com`)).toMatchObject({
      ok: true,
      data: { id },
    });
    expect(await register(id, `${randomUUID()}@example.com`)).toMatchObject({
      ok: false,
      error: { code: 'USER_ALREADY_EXISTS' },
    });
    expect(await client.reply('DeactivateUser', { userId: id.toUpperCase() })).toMatchObject({
      ok: true,
      data: { id },
    });
    expect(
      (await collect(store.readAll())).some((event) => event.streamId === `user-${id.toUpperCase()}`),
    ).toBe(false);
  });

  it('refuses a certificate whose validity cannot be read as VALIDATION_FAILED (regression: INTERNAL)', async () => {
    const users = (await collect(store.readAll())).filter((event) => event.type === 'UserRegistered');
    const userId = users[0].data.userId as string;
    const certificateData = await createCertificateWithUnreadableValidity();
    expect(await client.reply('RegisterCertificate', { userId, certificateData })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'certificateData' }] },
    });
  });

  it.each(['users\u200b', '\u202eusers', 'ops\ufeff'])(
    'refuses a group name that looks like another (%j: a format character)',
    async (name) => {
      expect(await client.reply('CreateGroup', { name })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'name' }] },
      });
    },
  );

  it('answers a replayed refusal byte for byte as the first time (regression: keys came back reordered)', async () => {
    const send = async (commandId: string) => {
      const headers = natsHeaders();
      headers.set('command-id', commandId);
      headers.set('actor-id', stack.adminId);
      const response = await client.connection.request(
        `${stack.prefix}.cmd.DeleteUser`,
        Buffer.from(JSON.stringify({ userId: stack.adminId })),
        { headers, timeout: 10_000 },
      );
      return Buffer.from(response.data).toString('utf8');
    };
    const commandId = randomUUID();
    const first = await send(commandId);
    expect(JSON.parse(first)).toMatchObject({ ok: false, error: { code: 'USER_DELETION_FORBIDDEN' } });
    expect(await send(commandId)).toBe(first);
  });
});

function actorHeaders(actorId: string) {
  const headers = natsHeaders();
  headers.set('actor-id', actorId);
  return headers;
}
