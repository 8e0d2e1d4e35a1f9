import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { verifyLog } from '@certm3/audit';
import { CommandReply } from '@certm3/contracts';
import { ADMIN_ROLE, SYSTEM_ACTOR_ID, SYSTEM_ROLES } from '@certm3/domain';
import { collect, PostgresEventStore, RecordedEvent } from '@certm3/event-store';
import { startCommandApiInProcess } from '../apps/command-api/src/testing/in-process-command-api';
import { CommandClient } from './support/command-client';
import { appendRecordedLog, readRecordedLog } from './support/recorded-log';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-database';

/**
 * A log written by the release before roles (commit dd75862, "wave 1"), recorded with its commands by running
 * that release: an administrator, users, three of whom share the username "ops" as people read it (`ops`,
 * `OPS`, full-width `ｏｐｓ` — usernames were not unique then), a group, a certificate, a deactivation.
 */
const wave1 = readRecordedLog('wave1-log-dd75862.json');
const idOf = (index: number) => (wave1.commands[index].reply as { data: { id: string } }).data.id;

describe('upgrade in place from a log written before roles (dd75862)', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let apps: INestApplication[] = [];
  let client: CommandClient;
  const prefix = `certm3-wave1-${randomUUID().slice(0, 8)}`;
  const adminId = idOf(0);
  const adaId = idOf(1);
  const password = 'a long enough password';
  const start = () =>
    startCommandApiInProcess({ EVENT_STORE_URL: database.url, NATS_SUBJECT_PREFIX: prefix });

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_wave1');
    store = await PostgresEventStore.connect({ url: database.url });
    await appendRecordedLog(store, wave1);
    // Three instances start on the log at once: each finds it without roles.
    apps = await Promise.all([start(), start(), start()]);
    client = await CommandClient.connect(prefix);
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all(apps.map((app) => app.close()));
    await store?.close();
    await database?.drop();
  });

  // What the roles' upgrade added, besides the vault's first key and the certificates' fingerprints.
  const added = async (): Promise<RecordedEvent[]> => {
    const old = new Set(wave1.events.map((event) => event.id));
    return (await collect(store.readAll())).filter(
      (event) =>
        !old.has(event.id) &&
        !['RecordKeyVaultState', 'ReserveCertificateFingerprints'].includes(
          String(event.metadata.commandName),
        ),
    );
  };

  it('installs the system roles and grants ADMIN to the bootstrapped administrator once, as the system actor', async () => {
    const upgrade = await added();
    expect(upgrade.every((event) => event.metadata.commandName === 'InstallSystemRoles')).toBe(true);
    expect(upgrade.every((event) => event.metadata.actorId === SYSTEM_ACTOR_ID)).toBe(true);
    expect(
      upgrade.filter((event) => event.type === 'RoleCreated').map((event) => event.data.roleCode),
    ).toEqual(SYSTEM_ROLES.map((role) => role.roleCode));
    const granted = upgrade.filter((event) => event.type === 'RoleAssigned');
    expect(granted).toEqual([
      expect.objectContaining({
        streamId: `user-${adminId}`,
        data: expect.objectContaining({ userId: adminId, roleId: ADMIN_ROLE.roleId, organizationId: null }),
      }),
    ]);
    expect(upgrade.filter((event) => event.type === 'AdministratorAdded')).toHaveLength(1);
    // The instances that lost the race decided again and found nothing to do (an outcome each, no events).
    const outcomes = upgrade.filter((event) => event.type === 'CommandSucceeded');
    expect(outcomes.length).toBeGreaterThanOrEqual(1);
    expect(outcomes.length).toBeLessThanOrEqual(3);
    expect(await verifyLog(store.readAll())).toMatchObject({ ok: true, firstBrokenLink: null });
  });

  it('appends nothing more when an instance starts again', async () => {
    const before = (await added()).length;
    const again = await start();
    await again.close();
    expect((await added()).length).toBe(before);
  });

  it('reserves the fingerprint of the certificate the old log registered, once: its PEM is not registered again', async () => {
    const everything = await collect(store.readAll());
    expect(everything.filter((event) => event.type === 'CertificateFingerprintsReserved')).toEqual([
      expect.objectContaining({
        streamId: 'system-certificate-fingerprints',
        data: { certificates: 1, fingerprints: 1 },
        metadata: expect.objectContaining({ actorId: SYSTEM_ACTOR_ID }),
      }),
    ]);
    const certificateId = idOf(10);
    const pem = String(wave1.commands[10].body.certificateData);
    expect(
      await client.reply(
        'RegisterCertificate',
        { userId: adminId, certificateData: pem },
        { actorId: adminId },
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'CERTIFICATE_ALREADY_KNOWN', details: [{ certificateId }] },
    });
  });

  it('lets the administrator act, and refuses every other user of the old log until given a role', async () => {
    expect(
      await client.reply('CreateGroup', { name: `after-${randomUUID()}` }, { actorId: adminId }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await client.reply('CreateGroup', { name: `by-ada-${randomUUID()}` }, { actorId: adaId }),
    ).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED' },
    });
  });

  it('answers every recorded command id with its first reply', async () => {
    const before = (await collect(store.readAll())).length;
    for (const command of wave1.commands) {
      const reply = await client.reply(command.name, command.body, {
        commandId: command.commandId,
        actorId: command.actorId,
      });
      // Positions are where the events sit in this store, which the log was copied into.
      const withoutPosition = (answer: CommandReply) =>
        answer.ok ? { ...answer, data: { ...answer.data, position: undefined } } : answer;
      expect({ name: command.name, reply: withoutPosition(reply) }).toEqual({
        name: command.name,
        reply: withoutPosition(command.reply),
      });
    }
    expect((await collect(store.readAll())).length).toBe(before);
  });

  it('keeps the usernames of its users reserved, the first registered holding a name several share', async () => {
    const upgrade = await added();
    const reserved = upgrade.filter((event) => event.type === 'UsernameReserved');
    const ops = idOf(2);
    expect(reserved.map((event) => event.data.ownerId)).toContain(ops);
    const register = (username: string) =>
      client.reply(
        'RegisterUser',
        { username, email: `${randomUUID()}@example.com`, password },
        { actorId: adminId },
      );
    for (const lookAlike of ['ops', 'Ops', 'ａｄａ.ｌｏｖｅｌａｃｅ', 'ADMIN'])
      expect(await register(lookAlike)).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } });
    // Ada was renamed before the upgrade: her old name is free.
    expect(await register('ada')).toMatchObject({ ok: true });
    // The first "ops" renames: the name passes to the next user who shares it, and stays taken.
    expect(
      await client.reply(
        'UpdateUserProfile',
        { userId: ops, username: `ops-${randomUUID()}` },
        { actorId: adminId },
      ),
    ).toMatchObject({ ok: true });
    expect(await register('ops')).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } });
  });
});

describe('upgrade in place when the release before let someone deactivate the administrator', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let app: INestApplication;
  let client: CommandClient;
  const prefix = `certm3-wave1b-${randomUUID().slice(0, 8)}`;
  const adminId = idOf(0);

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_wave1b');
    store = await PostgresEventStore.connect({ url: database.url });
    await appendRecordedLog(store, wave1);
    // As the release before allowed: another user deactivated the administrator.
    const adminStream = await collect(store.readStream(`user-${adminId}`));
    await store.append(
      `user-${adminId}`,
      [
        {
          id: randomUUID(),
          type: 'UserDeactivated',
          data: { userId: adminId },
          metadata: {
            commandId: randomUUID(),
            actorId: idOf(1),
            occurredAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: adminStream[adminStream.length - 1].revision },
    );
    app = await startCommandApiInProcess({ EVENT_STORE_URL: database.url, NATS_SUBJECT_PREFIX: prefix });
    client = await CommandClient.connect(prefix);
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  it('reactivates them with ADMIN, as the system actor, so somebody can act', async () => {
    const stream = await collect(store.readStream(`user-${adminId}`));
    const upgrade = stream.filter((event) => event.metadata.commandName === 'InstallSystemRoles');
    expect(upgrade.map((event) => event.type)).toEqual(['UserReactivated', 'RoleAssigned']);
    expect(upgrade.every((event) => event.metadata.actorId === SYSTEM_ACTOR_ID)).toBe(true);
    expect(
      await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: adminId }),
    ).toMatchObject({
      ok: true,
    });
  });
});

describe('system roles installed by an earlier release are brought to this release’s definitions', () => {
  it('gives ADMIN a permission the vocabulary gained since, as the system actor, once', async () => {
    const database = await createScratchDatabase('certm3_redefine');
    const store = await PostgresEventStore.connect({ url: database.url });
    const prefix = `certm3-redefine-${randomUUID().slice(0, 8)}`;
    const start = () =>
      startCommandApiInProcess({ EVENT_STORE_URL: database.url, NATS_SUBJECT_PREFIX: prefix });
    let app = await start();
    const client = await CommandClient.connect(prefix);
    try {
      const admin = await client.reply(
        'BootstrapAdministrator',
        { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
        { actorId: null },
      );
      if (!admin.ok) throw new Error(JSON.stringify(admin));
      await app.close();
      // As an earlier release defined it: ADMIN without `groups`.
      const stream = await collect(store.readStream(`role-${ADMIN_ROLE.roleId}`));
      const { groups: _groups, ...older } = ADMIN_ROLE.permissions as Record<string, string[]>;
      await store.append(
        `role-${ADMIN_ROLE.roleId}`,
        [
          {
            id: randomUUID(),
            type: 'RoleUpdated',
            data: {
              roleId: ADMIN_ROLE.roleId,
              name: ADMIN_ROLE.name,
              description: ADMIN_ROLE.description,
              permissions: older,
            },
            metadata: {
              commandId: randomUUID(),
              actorId: SYSTEM_ACTOR_ID,
              occurredAt: new Date().toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: stream[stream.length - 1].revision },
      );
      app = await start();
      const after = await collect(store.readStream(`role-${ADMIN_ROLE.roleId}`));
      expect(after).toHaveLength(stream.length + 2);
      expect(after[after.length - 1]).toMatchObject({
        type: 'RoleUpdated',
        data: { permissions: expect.objectContaining({ groups: expect.any(Array) }) },
        metadata: { actorId: SYSTEM_ACTOR_ID, commandName: 'InstallSystemRoles' },
      });
      expect(
        await client.reply(
          'CreateGroup',
          { name: `g-${randomUUID()}` },
          { actorId: admin.data.id as string },
        ),
      ).toMatchObject({ ok: true });
      // Once current, a restart adds nothing.
      await app.close();
      app = await start();
      expect(await collect(store.readStream(`role-${ADMIN_ROLE.roleId}`))).toHaveLength(after.length);
    } finally {
      await client.close();
      await app.close();
      await store.close();
      await database.drop();
    }
  });
});
