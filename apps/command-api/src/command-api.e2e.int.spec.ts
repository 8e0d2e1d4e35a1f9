import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { CommandReply, MAX_COMMAND_BYTES } from '@certm3/contracts';
import { collect, createEventStore, EventStore, RecordedEvent } from '@certm3/event-store';
import { EsdbEmulator } from '@certm3/event-store/testing/esdb-emulator/esdb-emulator';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { startCommandApiInProcess } from './testing/in-process-command-api';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

interface StoreUnderTest {
  url: string;
  dispose(): Promise<void>;
}

const STORES: [string, () => Promise<StoreUnderTest>][] = [
  [
    'the PostgreSQL event store',
    async () => {
      const database: ScratchDatabase = await createScratchDatabase('certm3_api_e2e');
      return { url: database.url, dispose: () => database.drop() };
    },
  ],
  [
    'the EventStoreDB adapter (against the gRPC emulator)',
    async () => {
      const emulator = new EsdbEmulator();
      await emulator.start();
      return { url: emulator.url, dispose: () => emulator.stop() };
    },
  ],
];

/**
 * End to end: commands over the real NATS, handled by the real command API, stored in each event store.
 * Each invariant of seed 000 is exercised through the wire.
 */
describe.each(STORES)('command API over NATS on %s', (_storeName, openStore) => {
  let storeUnderTest: StoreUnderTest;
  let app: INestApplication;
  let client: CommandClient;
  let store: EventStore;
  let adminId: string;
  const subjectPrefix = `certm3-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    storeUnderTest = await openStore();
    app = await startCommandApiInProcess(
      {
        EVENT_STORE_URL: storeUnderTest.url,
        NATS_SUBJECT_PREFIX: subjectPrefix,
      },
      ['error', 'warn'],
    );
    client = await CommandClient.connect(subjectPrefix);
    store = await createEventStore({ url: storeUnderTest.url });

    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    expect(bootstrap).toMatchObject({ ok: true });
    adminId = ok(bootstrap).id;
    client.defaultActorId = adminId;
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await storeUnderTest?.dispose();
  });

  function ok(reply: CommandReply): { id: string; revision: number } {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data;
  }
  function code(reply: CommandReply): string | undefined {
    return reply.ok ? undefined : reply.error.code;
  }
  async function allEvents(): Promise<RecordedEvent[]> {
    return collect(store.readAll());
  }
  async function registerUser(email = `${randomUUID()}@example.com`) {
    return ok(
      await client.reply('RegisterUser', {
        username: `user-${randomUUID()}`,
        email,
        password: 'a long enough password',
      }),
    );
  }
  async function registerCertificate(userId: string, notAfter?: Date) {
    const certificateData = await createTestCertificate({ notAfter });
    return client.reply('RegisterCertificate', { userId, certificateData });
  }

  describe('bootstrap and actors', () => {
    it('bootstraps only once', async () => {
      const again = await client.reply(
        'BootstrapAdministrator',
        { username: 'root', email: 'root@example.com', password: 'correct horse battery staple' },
        { actorId: null },
      );
      expect(code(again)).toBe('ALREADY_BOOTSTRAPPED');
    });

    it('requires an actor that exists and is active', async () => {
      expect(code(await client.reply('RegisterUser', {}, { actorId: null }))).toBe('MALFORMED_MESSAGE');
      const stranger = await client.reply(
        'RegisterUser',
        { username: 'x', email: 'x@example.com', password: 'a long enough password' },
        { actorId: randomUUID() },
      );
      expect(code(stranger)).toBe('FORBIDDEN');

      const actor = await registerUser();
      ok(await client.reply('DeactivateUser', { userId: actor.id }));
      const byDeactivated = await client.reply(
        'CreateGroup',
        { name: `g-${randomUUID()}` },
        { actorId: actor.id },
      );
      expect(code(byDeactivated)).toBe('FORBIDDEN');
    });
  });

  describe('invariant 1: users are never deleted', () => {
    it('refuses DeleteUser and keeps the user', async () => {
      const user = await registerUser();
      const reply = await client.reply('DeleteUser', { userId: user.id });
      expect(code(reply)).toBe('USER_DELETION_FORBIDDEN');
      expect((await collect(store.readStream(`user-${user.id}`))).map((e) => e.type)).toEqual([
        'UserRegistered',
        'UserAddedToGroup',
      ]);
    });

    it('deactivates and reactivates instead', async () => {
      const user = await registerUser();
      expect(ok(await client.reply('DeactivateUser', { userId: user.id, reason: 'left' })).revision).toBe(2);
      expect(code(await client.reply('DeactivateUser', { userId: user.id }))).toBe('USER_ALREADY_INACTIVE');
      expect(ok(await client.reply('ReactivateUser', { userId: user.id })).revision).toBe(3);
    });
  });

  describe('invariant 2: certificates are never deleted, only revoked; revocation is final', () => {
    it('registers, revokes once, never deletes', async () => {
      const user = await registerUser();
      const certificate = ok(await registerCertificate(user.id));
      expect(code(await client.reply('DeleteCertificate', { certificateId: certificate.id }))).toBe(
        'CERTIFICATE_DELETION_FORBIDDEN',
      );
      ok(
        await client.reply('RevokeCertificate', {
          certificateId: certificate.id,
          reason: 'keyCompromise',
          comment: 'laptop stolen',
        }),
      );
      expect(
        code(
          await client.reply('RevokeCertificate', { certificateId: certificate.id, reason: 'superseded' }),
        ),
      ).toBe('CERTIFICATE_ALREADY_REVOKED');
      expect(code(await client.reply('ExpireCertificate', { certificateId: certificate.id }))).toBe(
        'CERTIFICATE_ALREADY_REVOKED',
      );
      expect(code(await client.reply('DeleteCertificate', { certificateId: certificate.id }))).toBe(
        'CERTIFICATE_DELETION_FORBIDDEN',
      );
    });

    it('expires a certificate past its notAfter, which can then not be revoked', async () => {
      const user = await registerUser();
      const certificate = ok(await registerCertificate(user.id, new Date(Date.now() + 1_500)));
      expect(code(await client.reply('ExpireCertificate', { certificateId: certificate.id }))).toBe(
        'CERTIFICATE_NOT_YET_EXPIRED',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_700));
      ok(await client.reply('ExpireCertificate', { certificateId: certificate.id }));
      expect(
        code(
          await client.reply('RevokeCertificate', { certificateId: certificate.id, reason: 'unspecified' }),
        ),
      ).toBe('CERTIFICATE_EXPIRED');
    });

    it('refuses certificate data that is not one PEM X.509 certificate, and unknown revocation reasons', async () => {
      const user = await registerUser();
      for (const certificateData of [
        'hello',
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      ]) {
        const reply = await client.reply('RegisterCertificate', { userId: user.id, certificateData });
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION_FAILED', details: [{ field: 'certificateData' }] },
        });
      }
      const certificate = ok(await registerCertificate(user.id));
      const reply = await client.reply('RevokeCertificate', {
        certificateId: certificate.id,
        reason: 'removeFromCRL',
      });
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'reason' }] },
      });
    });

    it('refuses a certificate that has already expired', async () => {
      const user = await registerUser();
      const reply = await client.reply('RegisterCertificate', {
        userId: user.id,
        certificateData: await createTestCertificate({
          notBefore: new Date(Date.now() - 7_200_000),
          notAfter: new Date(Date.now() - 3_600_000),
        }),
      });
      expect(code(reply)).toBe('CERTIFICATE_EXPIRED');
    });
  });

  describe('invariants 3 and 4: the "users" group', () => {
    it('cannot be updated or deleted', async () => {
      expect(code(await client.reply('UpdateGroup', { name: 'users', description: 'mine now' }))).toBe(
        'GROUP_PROTECTED',
      );
      expect(code(await client.reply('DeleteGroup', { name: 'Users' }))).toBe('GROUP_PROTECTED');
      expect(code(await client.reply('CreateGroup', { name: 'users' }))).toBe('GROUP_NAME_TAKEN');
    });

    it('holds every user from registration on, and nobody leaves it', async () => {
      const user = await registerUser();
      expect(code(await client.reply('AddUserToGroup', { userId: user.id, groupName: 'users' }))).toBe(
        'ALREADY_MEMBER',
      );
      expect(code(await client.reply('RemoveUserFromGroup', { userId: user.id, groupName: 'users' }))).toBe(
        'USERS_GROUP_MEMBERSHIP_REQUIRED',
      );
    });
  });

  describe('invariant 5: email addresses are unique, case-insensitively and race-free', () => {
    it('lets exactly one of 50 concurrent registrations of the same address succeed', async () => {
      const local = `race-${randomUUID().slice(0, 8)}`;
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          client.reply('RegisterUser', {
            username: `racer-${index}`,
            email: index % 2 ? `${local}@Example.com` : `${local.toUpperCase()}@example.COM`,
            password: 'a long enough password',
          }),
        ),
      );
      expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
      expect(replies.filter((reply) => code(reply) === 'EMAIL_TAKEN')).toHaveLength(49);
      const registered = (await allEvents()).filter(
        (event) =>
          event.type === 'UserRegistered' &&
          String(event.data.email).toLowerCase() === `${local}@example.com`,
      );
      expect(registered).toHaveLength(1);
    });

    it('frees the old address when a user changes theirs', async () => {
      const oldAddress = `old-${randomUUID()}@example.com`;
      const user = await registerUser(oldAddress);
      const taken = await client.reply('RegisterUser', {
        username: 'b',
        email: oldAddress.toUpperCase(),
        password: 'a long enough password',
      });
      expect(code(taken)).toBe('EMAIL_TAKEN');
      ok(
        await client.reply('ChangeUserEmail', { userId: user.id, email: `new-${randomUUID()}@example.com` }),
      );
      ok(
        await client.reply('RegisterUser', {
          username: 'b',
          email: oldAddress,
          password: 'a long enough password',
        }),
      );
    });

    it('refuses to change to an address another user has', async () => {
      const first = `first-${randomUUID()}@example.com`;
      await registerUser(first);
      const second = await registerUser();
      expect(code(await client.reply('ChangeUserEmail', { userId: second.id, email: first }))).toBe(
        'EMAIL_TAKEN',
      );
    });
  });

  describe('invariant 6: group names are unique, race-free', () => {
    it('lets exactly one of 20 concurrent creations of the same name succeed', async () => {
      const name = `Ops-${randomUUID().slice(0, 8)}`;
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          client.reply('CreateGroup', { name: index % 2 ? name : name.toLowerCase() }),
        ),
      );
      expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
      expect(replies.filter((reply) => code(reply) === 'GROUP_NAME_TAKEN')).toHaveLength(19);
    });

    it('updates and deletes a group, and the name can then be used again', async () => {
      const name = `team-${randomUUID().slice(0, 8)}`;
      ok(await client.reply('CreateGroup', { name, description: 'first' }));
      ok(await client.reply('UpdateGroup', { name, description: 'second' }));
      ok(await client.reply('DeleteGroup', { name }));
      expect(code(await client.reply('UpdateGroup', { name, description: 'x' }))).toBe('NOT_FOUND');
      ok(await client.reply('CreateGroup', { name }));
    });
  });

  describe('invariant 7: memberships are unique; deactivated users get nothing new', () => {
    it('adds once, removes once', async () => {
      const user = await registerUser();
      const name = `ops-${randomUUID().slice(0, 8)}`;
      ok(await client.reply('CreateGroup', { name }));
      ok(await client.reply('AddUserToGroup', { userId: user.id, groupName: name }));
      expect(
        code(await client.reply('AddUserToGroup', { userId: user.id, groupName: name.toUpperCase() })),
      ).toBe('ALREADY_MEMBER');
      ok(await client.reply('RemoveUserFromGroup', { userId: user.id, groupName: name }));
      expect(code(await client.reply('RemoveUserFromGroup', { userId: user.id, groupName: name }))).toBe(
        'NOT_A_MEMBER',
      );
      expect(
        code(await client.reply('AddUserToGroup', { userId: user.id, groupName: 'no-such-group' })),
      ).toBe('NOT_FOUND');
    });

    it('refuses group memberships and certificates for a deactivated user', async () => {
      const user = await registerUser();
      const name = `ops-${randomUUID().slice(0, 8)}`;
      ok(await client.reply('CreateGroup', { name }));
      ok(await client.reply('DeactivateUser', { userId: user.id }));
      expect(code(await client.reply('AddUserToGroup', { userId: user.id, groupName: name }))).toBe(
        'USER_INACTIVE',
      );
      expect(code(await registerCertificate(user.id))).toBe('USER_INACTIVE');
    });
  });

  describe('idempotency', () => {
    it('answers a repeated command id with the first reply and appends nothing', async () => {
      const commandId = randomUUID();
      const body = {
        username: 'once',
        email: `once-${randomUUID()}@example.com`,
        password: 'a long enough password',
      };
      const first = await client.reply('RegisterUser', body, { commandId });
      const countAfterFirst = (await allEvents()).length;
      const again = await client.reply('RegisterUser', body, { commandId });
      expect(again).toEqual(first);
      expect((await allEvents()).length).toBe(countAfterFirst);
    });

    it('answers a repeated rejected command with the same rejection, even once the state has changed', async () => {
      const address = `later-${randomUUID()}@example.com`;
      const holder = await registerUser(address);
      const commandId = randomUUID();
      const body = { username: 'late', email: address, password: 'a long enough password' };
      expect(code(await client.reply('RegisterUser', body, { commandId }))).toBe('EMAIL_TAKEN');
      ok(
        await client.reply('ChangeUserEmail', {
          userId: holder.id,
          email: `moved-${randomUUID()}@example.com`,
        }),
      );
      expect(code(await client.reply('RegisterUser', body, { commandId }))).toBe('EMAIL_TAKEN');
    });

    it('handles concurrent deliveries of one command id once', async () => {
      const commandId = randomUUID();
      const body = { name: `dup-${randomUUID().slice(0, 8)}` };
      const replies = await Promise.all(
        Array.from({ length: 8 }, () => client.reply('CreateGroup', body, { commandId })),
      );
      for (const reply of replies) expect(reply).toEqual(replies[0]);
      expect(replies[0].ok).toBe(true);
      const created = (await allEvents()).filter(
        (event) => event.type === 'GroupCreated' && event.data.name === body.name,
      );
      expect(created).toHaveLength(1);
    });

    it('refuses a command id reused for another body', async () => {
      const commandId = randomUUID();
      ok(await client.reply('CreateGroup', { name: `a-${randomUUID().slice(0, 8)}` }, { commandId }));
      expect(
        code(await client.reply('CreateGroup', { name: `b-${randomUUID().slice(0, 8)}` }, { commandId })),
      ).toBe('COMMAND_ID_REUSED');
    });
  });

  describe('bad input never crashes the service or appends anything', () => {
    const cases: [string, string, unknown, Parameters<CommandClient['send']>[2], string][] = [
      ['non-JSON', 'CreateGroup', undefined, { rawBody: Buffer.from('{not json') }, 'MALFORMED_MESSAGE'],
      ['a JSON array', 'CreateGroup', [], {}, 'MALFORMED_MESSAGE'],
      ['a JSON string', 'CreateGroup', 'ops', {}, 'MALFORMED_MESSAGE'],
      [
        'an oversized body',
        'CreateGroup',
        undefined,
        { rawBody: Buffer.alloc(MAX_COMMAND_BYTES + 1, 0x20) },
        'MALFORMED_MESSAGE',
      ],
      ['no command-id', 'CreateGroup', { name: 'x' }, { headers: {}, commandId: '' }, 'MALFORMED_MESSAGE'],
      [
        'a command-id that is not a UUID',
        'CreateGroup',
        { name: 'x' },
        { commandId: 'abc' },
        'MALFORMED_MESSAGE',
      ],
      [
        'an actor-id that is not a UUID',
        'CreateGroup',
        { name: 'x' },
        { actorId: 'root' },
        'MALFORMED_MESSAGE',
      ],
      ['an unknown command', 'LaunchMissiles', {}, {}, 'UNKNOWN_COMMAND'],
      ['an unknown field', 'CreateGroup', { name: 'x', colour: 'red' }, {}, 'VALIDATION_FAILED'],
      ['a wrong type', 'CreateGroup', { name: 42 }, {}, 'VALIDATION_FAILED'],
      ['a NUL character in a string', 'CreateGroup', { name: 'a\u0000b' }, {}, 'VALIDATION_FAILED'],
      ['an unpaired surrogate in a string', 'CreateGroup', { name: 'a\ud800b' }, {}, 'VALIDATION_FAILED'],
      ['a missing field', 'RevokeCertificate', { certificateId: randomUUID() }, {}, 'VALIDATION_FAILED'],
      [
        'a short password',
        'RegisterUser',
        { username: 'u', email: 'u@example.com', password: 'short' },
        {},
        'VALIDATION_FAILED',
      ],
      [
        'a malformed email',
        'RegisterUser',
        { username: 'u', email: 'not-an-email', password: 'a long enough password' },
        {},
        'VALIDATION_FAILED',
      ],
    ];

    it.each(cases)('answers %s with a structured error', async (_label, name, body, options, expected) => {
      const before = (await allEvents()).length;
      const reply = await client.reply(name, body, options);
      expect(reply).toMatchObject({ ok: false, error: { code: expected } });
      if (!reply.ok) {
        expect(typeof reply.error.message).toBe('string');
        expect(Array.isArray(reply.error.details)).toBe(true);
      }
      expect((await allEvents()).length).toBe(before);
    });

    it('names each invalid field in the details', async () => {
      const reply = await client.reply('RegisterUser', {
        username: '',
        email: 'nope',
        password: 1,
        extra: true,
      });
      expect(reply.ok).toBe(false);
      if (!reply.ok)
        expect(reply.error.details.map((detail) => detail.field).sort()).toEqual([
          'email',
          'extra',
          'password',
          'username',
        ]);
    });

    it('still serves commands afterwards', async () => {
      ok(await client.reply('CreateGroup', { name: `after-${randomUUID().slice(0, 8)}` }));
    });
  });

  describe('replies and the audit trail', () => {
    it('echoes the correlation id, or makes one', async () => {
      const correlationId = randomUUID();
      const { headers } = await client.send(
        'CreateGroup',
        { name: `c-${randomUUID().slice(0, 8)}` },
        { correlationId },
      );
      expect(headers['correlation-id']).toBe(correlationId);
      const generated = await client.send('CreateGroup', { name: `c-${randomUUID().slice(0, 8)}` });
      expect(generated.headers['correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('stores events that read as an audit trail on their own, with no password in clear', async () => {
      const commandId = randomUUID();
      const correlationId = randomUUID();
      const email = `audit-${randomUUID()}@example.com`;
      const user = ok(
        await client.reply(
          'RegisterUser',
          { username: 'audited', email, password: 'the secret password 42' },
          { commandId, correlationId },
        ),
      );
      const events = await collect(store.readStream(`user-${user.id}`));
      expect(events.map((event) => event.type)).toEqual(['UserRegistered', 'UserAddedToGroup']);
      expect(events[0].data).toMatchObject({
        userId: user.id,
        username: 'audited',
        email,
        registration: 'standard',
      });
      expect(String(events[0].data.passwordHash)).toMatch(/^scrypt\$N=\d+,r=8,p=1\$/);
      for (const event of events) {
        expect(event.metadata).toMatchObject({
          commandId,
          commandName: 'RegisterUser',
          correlationId,
          causationId: commandId,
          actorId: adminId,
          schemaVersion: 1,
        });
        expect(event.metadata.eventId).toBe(event.id);
        expect(String(event.metadata.occurredAt)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }
      const everything = JSON.stringify(
        (await allEvents()).map(({ data, metadata }) => ({ data, metadata })),
      );
      expect(everything).not.toContain('the secret password 42');
      expect(everything).not.toContain('correct horse battery staple');
    });
  });
});
