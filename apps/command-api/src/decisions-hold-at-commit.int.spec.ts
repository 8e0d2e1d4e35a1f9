import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CommandReply } from '@certm3/contracts';
import { collect, EventStore, RecordedEvent } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { CommandClient } from '@certm3/test-support/command-client';
import { Client } from 'pg';
import { kyselyOnClient, prepareReadModel, replayInto } from '@certm3/projection';
import { createScratchDatabase } from '@certm3/test-support/scratch-database';
import { certm3Model } from '../../projector/src/read-models';
import { CommandApiTestStack } from './testing/command-api-test-stack';

/**
 * No decision on a stale read, through the wire, on the PostgreSQL event store: every stream a command's
 * decision read (its actor, the certificate's owner, the group) must still be as it was read when the
 * command's events commit. Each race below let a decision made on a stale read land before this was so
 * (the actor alone was held, and a condition was a plain read racing the commit). Global log order is the
 * order readers (the projector, auditors) see.
 */
describe('decisions hold at commit: concurrent commands never act on a stale read', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;

  let racerRoleId: string;
  beforeAll(async () => {
    stack = await CommandApiTestStack.start('stale_reads');
    ({ client, store } = stack);
    // What the racing users may do themselves.
    racerRoleId = ok(
      await client.reply('CreateRole', {
        roleCode: 'RACER',
        name: 'racer',
        permissions: { groups: ['create'], users: ['update'] },
      }),
    ).id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function ok(reply: CommandReply): { id: string; revision: number } {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data;
  }
  const registerUser = async () =>
    ok(
      await client.reply('RegisterUser', {
        username: `racer-${randomUUID()}`,
        email: `${randomUUID()}@example.com`,
        password: 'a long enough password',
        roleCodes: ['RACER'],
      }),
    ).id;
  /** The log in the order every reader sees it. */
  const log = async (): Promise<RecordedEvent[]> => collect(store.readAll());
  const indexOf = (events: RecordedEvent[], match: (event: RecordedEvent) => boolean) =>
    events.findIndex(match);

  it('DeactivateUser ‖ RegisterCertificate for that user never leaves a certificate registered after the deactivation', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 40 }, async () => {
        // A certificate of its own per round: one certificate is in the inventory once.
        const pem = await createTestCertificate();
        const userId = await registerUser();
        const [, registered] = await Promise.all([
          client.reply('DeactivateUser', { userId }),
          client.reply('RegisterCertificate', { userId, certificateData: pem }),
        ]);
        return { userId, registered };
      }),
    );
    const events = await log();
    const late = rounds.filter(({ userId }) => {
      const deactivated = indexOf(events, (e) => e.type === 'UserDeactivated' && e.data.userId === userId);
      const registered = indexOf(
        events,
        (e) => e.type === 'CertificateRegistered' && e.data.userId === userId,
      );
      return registered > deactivated;
    });
    expect(late).toEqual([]);
    // Each registration that lost the race was decided again and refused: the owner was inactive.
    for (const { registered } of rounds) {
      if (!registered.ok) expect(registered.error.code).toBe('USER_INACTIVE');
    }
  });

  it('AddUserToGroup ‖ DeleteGroup never writes a membership of a deleted group', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 40 }, async (_, round) => {
        const userId = await registerUser();
        const name = `doomed-${round}-${randomUUID().slice(0, 8)}`;
        ok(await client.reply('CreateGroup', { name }));
        await Promise.all([
          client.reply('AddUserToGroup', { userId, groupName: name }),
          client.reply('DeleteGroup', { name }),
        ]);
        return { userId, name };
      }),
    );
    const events = await log();
    const membershipsAfterDeletion = rounds.filter(({ userId, name }) => {
      const created = events.find((e) => e.type === 'GroupCreated' && e.data.name === name)!;
      const deleted = indexOf(
        events,
        (e) => e.type === 'GroupDeleted' && e.data.groupId === created.data.groupId,
      );
      const joined = indexOf(
        events,
        (e) =>
          e.type === 'UserAddedToGroup' &&
          e.data.userId === userId &&
          e.data.groupId === created.data.groupId,
      );
      return joined > deleted;
    });
    expect(membershipsAfterDeletion).toEqual([]);
    // And the read model takes the whole log without halting (a membership of a deleted group would fail
    // its foreign key there).
    const read = await createScratchDatabase('certm3_stale_reads_read');
    const connection = new Client({ connectionString: read.url });
    await connection.connect();
    try {
      await prepareReadModel(connection, certm3Model);
      const db = kyselyOnClient(connection);
      const applied = await replayInto(store, db, certm3Model, certm3Model.liveLayout, {
        unknownEventPolicy: 'halt',
      });
      expect(applied).toBe(events.length);
    } finally {
      await connection.end();
      await read.drop();
    }
  });

  it('a burst of 20 commands by a user racing their deactivation: none lands after it', async () => {
    const late: string[] = [];
    for (let round = 0; round < 10; round++) {
      const actorId = await registerUser();
      await Promise.all([
        ...Array.from({ length: 20 }, (_, index) =>
          client.reply(
            'CreateGroup',
            { name: `burst-${round}-${index}-${randomUUID().slice(0, 6)}` },
            { actorId },
          ),
        ),
        client.reply('DeactivateUser', { userId: actorId }),
      ]);
      const events = await log();
      const deactivated = indexOf(events, (e) => e.type === 'UserDeactivated' && e.data.userId === actorId);
      late.push(
        ...events
          .slice(deactivated + 1)
          .filter((e) => e.metadata.actorId === actorId && !e.type.startsWith('Command'))
          .map((e) => `${e.type} ${e.streamId}`),
      );
    }
    expect(late).toEqual([]);
  });

  it('a deactivated user cannot reactivate themselves, though this instance last saw them active (regression)', async () => {
    const userId = await registerUser();
    // Acting once makes the instance remember the user as active, at their stream's revision then.
    ok(
      await client.reply(
        'UpdateUserProfile',
        { userId, username: `remembered-${userId}` },
        { actorId: userId },
      ),
    );
    ok(await client.reply('DeactivateUser', { userId }));
    expect(await client.reply('ReactivateUser', { userId }, { actorId: userId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await client.reply('CreateGroup', { name: `by-${userId}` }, { actorId: userId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('DeactivateUser ‖ the same user changing their own profile: the change never lands after the deactivation (regression)', async () => {
    const userIds = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const userId = await registerUser();
        await Promise.all([
          client.reply('DeactivateUser', { userId }),
          client.reply('UpdateUserProfile', { userId, username: `late-${userId}` }, { actorId: userId }),
        ]);
        return userId;
      }),
    );
    const events = await log();
    const late = userIds.filter(
      (userId) =>
        indexOf(events, (e) => e.type === 'UserProfileUpdated' && e.data.userId === userId) >
        indexOf(events, (e) => e.type === 'UserDeactivated' && e.data.userId === userId),
    );
    expect(late).toEqual([]);
  });

  it('RevokeRole ‖ commands that need that role: none is accepted after the revocation committed', async () => {
    const late: string[] = [];
    let accepted = 0;
    for (let round = 0; round < 10; round++) {
      const actorId = await registerUser();
      // Acting once makes the instance remember the actor and the role as they are now.
      ok(
        await client.reply(
          'CreateGroup',
          { name: `first-${round}-${randomUUID().slice(0, 6)}` },
          { actorId },
        ),
      );
      const replies = await Promise.all([
        ...Array.from({ length: 20 }, (_, index) =>
          client.reply(
            'CreateGroup',
            { name: `revoked-${round}-${index}-${randomUUID().slice(0, 6)}` },
            { actorId },
          ),
        ),
        client.reply('RevokeRole', { userId: actorId, roleId: racerRoleId }),
      ]);
      expect(replies[replies.length - 1]).toMatchObject({ ok: true });
      accepted += replies.slice(0, -1).filter((reply) => reply.ok).length;
      for (const reply of replies.slice(0, -1))
        if (!reply.ok) expect(reply.error.code).toBe('PERMISSION_DENIED');
      const events = await log();
      const revoked = indexOf(events, (e) => e.type === 'RoleRevoked' && e.data.userId === actorId);
      late.push(
        ...events
          .slice(revoked + 1)
          .filter((e) => e.metadata.actorId === actorId && !e.type.startsWith('Command'))
          .map((e) => `${e.type} ${e.streamId}`),
      );
    }
    expect(late).toEqual([]);
    // The race really ran: some commands got in before the revocation, some were refused after it.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(200);
  });

  it('concurrent CreateRole and CreateOrganization with one code: exactly one of each', async () => {
    const code = `ONE_${randomUUID().slice(0, 8).toUpperCase()}`;
    const [roles, organizations] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          client.reply('CreateRole', {
            roleCode: code,
            name: `r${index}`,
            permissions: {},
          }),
        ),
      ),
      Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          client.reply('CreateOrganization', { orgCode: code, name: `o${index}` }),
        ),
      ),
    ]);
    expect(roles.filter((reply) => reply.ok)).toHaveLength(1);
    expect(new Set(roles.filter((reply) => !reply.ok).map((reply) => !reply.ok && reply.error.code))).toEqual(
      new Set(['ROLE_CODE_TAKEN']),
    );
    expect(organizations.filter((reply) => reply.ok)).toHaveLength(1);
    expect(
      new Set(organizations.filter((reply) => !reply.ok).map((reply) => !reply.ok && reply.error.code)),
    ).toEqual(new Set(['ORG_CODE_TAKEN']));
  });

  it('AssignRole ‖ DeleteRole and AddUserToOrganization ‖ DeactivateOrganization: nothing lands after the change', async () => {
    const late: string[] = [];
    for (let round = 0; round < 20; round++) {
      const userId = await registerUser();
      const code = `RACE_${round}_${randomUUID().slice(0, 6).toUpperCase()}`;
      const roleId = ok(
        await client.reply('CreateRole', { roleCode: code, name: 'race', permissions: {} }),
      ).id;
      const organizationId = ok(await client.reply('CreateOrganization', { orgCode: code, name: 'race' })).id;
      await Promise.all([
        client.reply('AssignRole', { userId, roleId }),
        client.reply('DeleteRole', { roleId }),
        client.reply('AddUserToOrganization', { userId, organizationId }),
        client.reply('DeactivateOrganization', { organizationId }),
      ]);
      const events = await log();
      const deleted = indexOf(events, (e) => e.type === 'RoleDeleted' && e.data.roleId === roleId);
      const assigned = indexOf(events, (e) => e.type === 'RoleAssigned' && e.data.roleId === roleId);
      if (assigned > deleted) late.push(`RoleAssigned after RoleDeleted (${code})`);
      const deactivated = indexOf(
        events,
        (e) => e.type === 'OrganizationDeactivated' && e.data.organizationId === organizationId,
      );
      const joined = indexOf(
        events,
        (e) => e.type === 'UserAddedToOrganization' && e.data.organizationId === organizationId,
      );
      if (joined > deactivated) late.push(`UserAddedToOrganization after OrganizationDeactivated (${code})`);
    }
    expect(late).toEqual([]);
  });

  it('DisableCertificateAuthority ‖ CreateCertificateAuthority under it: no intermediate is created after the parent was disabled', async () => {
    const late: string[] = [];
    let created = 0;
    for (let round = 0; round < 10; round++) {
      const parent = ok(
        await client.reply('CreateCertificateAuthority', {
          name: `root ${round}`,
          subject: { commonName: `race root ${round}` },
          keyAlgorithm: 'ECDSA_P256',
          validityDays: 365,
        }),
      ).id;
      const [child] = await Promise.all([
        client.reply('CreateCertificateAuthority', {
          name: `child ${round}`,
          subject: { commonName: `race child ${round}` },
          keyAlgorithm: 'ECDSA_P256',
          validityDays: 30,
          parentId: parent,
        }),
        client.reply('DisableCertificateAuthority', { caId: parent }),
      ]);
      if (child.ok) created++;
      else expect(child.error.code).toBe('AUTHORITY_DISABLED');
      const events = await log();
      const disabled = indexOf(
        events,
        (e) => e.type === 'CertificateAuthorityDisabled' && e.data.caId === parent,
      );
      const under = indexOf(
        events,
        (e) => e.type === 'CertificateAuthorityCreated' && e.data.parentId === parent,
      );
      if (under > disabled) late.push(`round ${round}`);
    }
    expect(late).toEqual([]);
    expect(created).toBeLessThanOrEqual(10);
  });
});
