import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CommandReply } from '@certm3/contracts';
import { ADMIN_ROLE, SYSTEM_ACTOR_ID, systemRoleByCode } from '@certm3/domain';
import { collect, EventStore, RecordedEvent } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { CommandClient } from '@certm3/test-support/command-client';
import { CommandApiTestStack } from '../testing/command-api-test-stack';

/**
 * Roles, permissions, organizations and identities over NATS on the real PostgreSQL event store: what a
 * service sending commands sees.
 */
describe('access control over NATS', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;
  const password = 'a long enough password';

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('access');
    ({ client, store } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function ok(reply: CommandReply): { id: string; revision: number } {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data;
  }
  const code = (reply: CommandReply) => (reply.ok ? undefined : reply.error.code);
  const registerUser = async (extra: Record<string, unknown> = {}) =>
    ok(
      await client.reply('RegisterUser', {
        username: `user-${randomUUID()}`,
        email: `${randomUUID()}@example.com`,
        password,
        ...extra,
      }),
    ).id;
  const events = (): Promise<RecordedEvent[]> => collect(store.readAll());
  const roleId = (code: string) => systemRoleByCode(code)!.roleId;

  describe('a permission on every command', () => {
    it('refuses a user without the permission, appending nothing but the refusal; then, granted, accepts', async () => {
      const ada = await registerUser();
      const before = (await events()).length;
      const commandId = randomUUID();
      const refused = await client.reply(
        'CreateGroup',
        { name: `g-${randomUUID()}` },
        { actorId: ada, commandId },
      );
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'PERMISSION_DENIED', details: [{ permission: 'groups:create' }] },
      });
      const added = (await events()).slice(before);
      expect(added.map((event) => [event.type, event.streamId])).toEqual([
        ['CommandRejected', `command-${commandId}`],
      ]);
      expect(added[0].data).toMatchObject({ target: { type: 'group' } });

      const role = ok(
        await client.reply('CreateRole', {
          roleCode: `GROUPS_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'group keeper',
          permissions: { groups: ['create'] },
        }),
      ).id;
      ok(await client.reply('AssignRole', { userId: ada, roleId: role }));
      expect(
        await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: ada }),
      ).toMatchObject({
        ok: true,
      });
      // Deleting the role ends what it granted, at once (the instance remembered it as it was).
      ok(await client.reply('DeleteRole', { roleId: role }));
      expect(code(await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: ada }))).toBe(
        'PERMISSION_DENIED',
      );
    });

    it('keeps FORBIDDEN for an actor that is unknown or not active, and records it', async () => {
      const stranger = randomUUID();
      const commandId = randomUUID();
      expect(code(await client.reply('CreateGroup', { name: 'x' }, { actorId: stranger, commandId }))).toBe(
        'FORBIDDEN',
      );
      const [outcome] = await collect(store.readStream(`command-${commandId}`));
      expect(outcome).toMatchObject({ type: 'CommandRejected', metadata: { actorId: stranger } });
      const admin2 = await registerUser({ roleCodes: ['ADMIN'] });
      ok(await client.reply('SuspendUser', { userId: admin2, reason: 'on leave' }));
      expect(code(await client.reply('CreateGroup', { name: 'y' }, { actorId: admin2 }))).toBe('FORBIDDEN');
      ok(await client.reply('ReinstateUser', { userId: admin2 }));
      expect(
        code(await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: admin2 })),
      ).toBe(undefined);
    });

    it('scopes a grant to an organization: on its members, not on others', async () => {
      const acme = ok(
        await client.reply('CreateOrganization', {
          orgCode: `ACME_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'Acme',
        }),
      ).id;
      const inside = await registerUser();
      const outside = await registerUser();
      const manager = await registerUser();
      ok(await client.reply('AddUserToOrganization', { userId: inside, organizationId: acme }));
      const suspender = ok(
        await client.reply('CreateRole', {
          roleCode: `SUSPENDER_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'suspends',
          permissions: { users: ['suspend'] },
        }),
      ).id;
      ok(await client.reply('AssignRole', { userId: manager, roleId: suspender, organizationId: acme }));
      expect(await client.reply('SuspendUser', { userId: inside }, { actorId: manager })).toMatchObject({
        ok: true,
      });
      expect(await client.reply('SuspendUser', { userId: outside }, { actorId: manager })).toMatchObject({
        ok: false,
        error: { code: 'PERMISSION_DENIED', details: [{ permission: 'users:suspend' }] },
      });
      // A certificate belongs to its owner's organizations.
      const registrar = await registerUser();
      const requester = ok(
        await client.reply('CreateRole', {
          roleCode: `REGISTRAR_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'registers',
          permissions: { certificates: ['create', 'revoke'] },
        }),
      ).id;
      ok(await client.reply('AssignRole', { userId: registrar, roleId: requester, organizationId: acme }));
      const member = await registerUser();
      ok(await client.reply('AddUserToOrganization', { userId: member, organizationId: acme }));
      const certificateData = await createTestCertificate();
      const certificate = ok(
        await client.reply(
          'RegisterCertificate',
          { userId: member, certificateData },
          { actorId: registrar },
        ),
      ).id;
      expect(
        await client.reply(
          'RevokeCertificate',
          { certificateId: certificate, reason: 'superseded' },
          { actorId: registrar },
        ),
      ).toMatchObject({ ok: true });
      expect(
        code(
          await client.reply(
            'RegisterCertificate',
            { userId: outside, certificateData },
            { actorId: registrar },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      // Once the organization is deleted, its scoped grants grant nothing.
      ok(await client.reply('ReinstateUser', { userId: inside }));
      ok(await client.reply('DeleteOrganization', { organizationId: acme }));
      expect(code(await client.reply('SuspendUser', { userId: inside }, { actorId: manager }))).toBe(
        'PERMISSION_DENIED',
      );
    });

    it('needs roles:assign besides users:create to register a user with roles', async () => {
      const hr = await registerUser();
      const creator = ok(
        await client.reply('CreateRole', {
          roleCode: `HR_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'hr',
          permissions: { users: ['create'] },
        }),
      ).id;
      ok(await client.reply('AssignRole', { userId: hr, roleId: creator }));
      const body = { username: `u-${randomUUID()}`, email: `${randomUUID()}@example.com`, password };
      expect(
        await client.reply('RegisterUser', { ...body, roleCodes: ['ADMIN'] }, { actorId: hr }),
      ).toMatchObject({
        ok: false,
        error: { code: 'PERMISSION_DENIED', details: [{ permission: 'roles:assign' }] },
      });
      expect(await client.reply('RegisterUser', body, { actorId: hr })).toMatchObject({ ok: true });
    });
  });

  describe('roles', () => {
    it('validates role codes and permissions against the vocabulary, naming what is wrong', async () => {
      const invalid = await client.reply('CreateRole', {
        roleCode: 'lower',
        name: 'x',
        permissions: { certificates: ['steal'], spaceships: ['fly'] },
      });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      const fields = JSON.stringify((invalid as { error: { details: unknown } }).error.details);
      expect(fields).toContain('roleCode');
      expect(fields).toContain('permissions.certificates');
      expect(fields).toContain('spaceships');
    });

    it('keeps role codes unique case-insensitively, and protects system roles', async () => {
      const roleCode = `DUP_${randomUUID().slice(0, 8).toUpperCase()}`;
      ok(await client.reply('CreateRole', { roleCode, name: 'a', permissions: {} }));
      expect(code(await client.reply('CreateRole', { roleCode, name: 'b', permissions: {} }))).toBe(
        'ROLE_CODE_TAKEN',
      );
      expect(code(await client.reply('CreateRole', { roleCode: 'ADMIN', name: 'b', permissions: {} }))).toBe(
        'ROLE_CODE_TAKEN',
      );
      expect(code(await client.reply('UpdateRole', { roleId: ADMIN_ROLE.roleId, name: 'mine' }))).toBe(
        'ROLE_PROTECTED',
      );
      expect(code(await client.reply('DeleteRole', { roleId: roleId('AUDITOR') }))).toBe('ROLE_PROTECTED');
    });

    it('assigns and revokes, keeping history; the same scope twice is refused', async () => {
      const user = await registerUser();
      ok(await client.reply('AssignRole', { userId: user, roleId: roleId('AUDITOR') }));
      expect(code(await client.reply('AssignRole', { userId: user, roleId: roleId('AUDITOR') }))).toBe(
        'ROLE_ALREADY_ASSIGNED',
      );
      ok(await client.reply('RevokeRole', { userId: user, roleId: roleId('AUDITOR') }));
      expect(code(await client.reply('RevokeRole', { userId: user, roleId: roleId('AUDITOR') }))).toBe(
        'ROLE_NOT_ASSIGNED',
      );
      ok(await client.reply('AssignRole', { userId: user, roleId: roleId('AUDITOR') }));
      const stream = await collect(store.readStream(`user-${user}`));
      const assignments = stream.filter((event) => event.type === 'RoleAssigned');
      expect(new Set(assignments.map((event) => event.data.assignmentId)).size).toBe(2);
    });
  });

  describe('no lock-out by oneself', () => {
    it('never deactivates, suspends, locks or takes ADMIN from the last active administrator', async () => {
      // A stack of its own: this test leaves exactly one administrator.
      const own = await CommandApiTestStack.start('last_admin');
      try {
        const admin = own.adminId;
        for (const name of ['DeactivateUser', 'SuspendUser', 'LockUser'])
          expect(code(await own.client.reply(name, { userId: admin }))).toBe('LAST_ADMINISTRATOR');
        expect(code(await own.client.reply('RevokeRole', { userId: admin, roleId: ADMIN_ROLE.roleId }))).toBe(
          'LAST_ADMINISTRATOR',
        );
        // With a second administrator, either may go, but not both: two concurrent deactivations.
        const second = ok(
          await own.client.reply('RegisterUser', {
            username: 'second',
            email: 'second@example.com',
            password,
            roleCodes: ['ADMIN'],
          }),
        ).id;
        const results = await Promise.all([
          own.client.reply('DeactivateUser', { userId: admin }, { actorId: second }),
          own.client.reply('DeactivateUser', { userId: second }, { actorId: admin }),
        ]);
        expect(results.filter((reply) => reply.ok)).toHaveLength(1);
        expect(results.map(code).filter(Boolean)).toEqual([
          expect.stringMatching(/^(LAST_ADMINISTRATOR|FORBIDDEN)$/),
        ]);
      } finally {
        await own.stop();
      }
    });

    it('lets a user change their own password only with the current one', async () => {
      const user = await registerUser();
      expect(
        code(
          await client.reply(
            'ChangePassword',
            { userId: user, password: 'a brand new password' },
            { actorId: user },
          ),
        ),
      ).toBe('INVALID_CURRENT_PASSWORD');
      expect(
        code(
          await client.reply(
            'ChangePassword',
            { userId: user, password: 'a brand new password', currentPassword: 'not the password' },
            { actorId: user },
          ),
        ),
      ).toBe('INVALID_CURRENT_PASSWORD');
      expect(
        await client.reply(
          'ChangePassword',
          { userId: user, password: 'a brand new password', currentPassword: password },
          { actorId: user },
        ),
      ).toMatchObject({ ok: true });
      // Anyone else's needs users:update.
      const other = await registerUser();
      expect(
        code(
          await client.reply(
            'ChangePassword',
            { userId: other, password: 'a brand new password' },
            { actorId: user },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
    });
  });

  describe('identities that look alike are one', () => {
    it('registers exactly one of 50 concurrent registrations of one username', async () => {
      const username = `popular-${randomUUID().slice(0, 8)}`;
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          client.reply('RegisterUser', {
            username: index % 2 === 0 ? username : username.toUpperCase(),
            email: `${randomUUID()}@example.com`,
            password,
          }),
        ),
      );
      expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
      expect(new Set(replies.filter((reply) => !reply.ok).map(code))).toEqual(new Set(['USERNAME_TAKEN']));
    });

    it('takes full-width, decomposed and IDN look-alikes as the same name or address', async () => {
      const suffix = randomUUID().slice(0, 6);
      await registerUser({ username: `ops${suffix}` });
      const fullWidth = [...`ops${suffix}`]
        .map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0))
        .join('');
      expect(
        code(
          await client.reply('RegisterUser', {
            username: fullWidth,
            email: `${randomUUID()}@example.com`,
            password,
          }),
        ),
      ).toBe('USERNAME_TAKEN');
      const local = `caf${suffix}`;
      await registerUser({ email: `${local}\u00e9@example.com` });
      expect(
        code(
          await client.reply('RegisterUser', {
            username: `u-${randomUUID()}`,
            email: `${local}e\u0301@example.com`,
            password,
          }),
        ),
      ).toBe('EMAIL_TAKEN');
      await registerUser({ email: `idn${suffix}@bücher.de` });
      expect(
        code(
          await client.reply('RegisterUser', {
            username: `u-${randomUUID()}`,
            email: `idn${suffix}@xn--bcher-kva.de`,
            password,
          }),
        ),
      ).toBe('EMAIL_TAKEN');
    });

    it('refuses zero-width and bidirectional control characters in identifiers', async () => {
      for (const username of [`o\u200Bps`, `\u202Eops`, `ops\u2066`]) {
        const reply = await client.reply('RegisterUser', {
          username,
          email: `${randomUUID()}@example.com`,
          password,
        });
        expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      }
    });

    it('frees the old username on a rename, and refuses a rename to a taken one', async () => {
      const oldName = `old-${randomUUID()}`;
      const user = await registerUser({ username: oldName });
      const other = await registerUser();
      expect(
        code(await client.reply('UpdateUserProfile', { userId: other, username: oldName.toUpperCase() })),
      ).toBe('USERNAME_TAKEN');
      ok(await client.reply('UpdateUserProfile', { userId: user, username: `new-${randomUUID()}` }));
      ok(await client.reply('UpdateUserProfile', { userId: other, username: oldName }));
    });
  });

  describe('no escalation (regressions found in review)', () => {
    const newRole = async (permissions: Record<string, string[]>) =>
      ok(
        await client.reply('CreateRole', {
          roleCode: `R_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'r',
          permissions,
        }),
      ).id;
    const newOrganization = async () =>
      ok(
        await client.reply('CreateOrganization', {
          orgCode: `O_${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'o',
        }),
      ).id;

    it('a scoped roles:assign cannot hand out ADMIN, even in its own organization, nor anything it lacks', async () => {
      const org = await newOrganization();
      const assigner = await registerUser();
      ok(
        await client.reply('AssignRole', {
          userId: assigner,
          roleId: await newRole({ roles: ['assign'] }),
          organizationId: org,
        }),
      );
      const denied = await client.reply(
        'AssignRole',
        { userId: assigner, roleId: ADMIN_ROLE.roleId, organizationId: org },
        { actorId: assigner },
      );
      expect(denied).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
      expect(
        code(
          await client.reply(
            'AssignRole',
            { userId: assigner, roleId: ADMIN_ROLE.roleId },
            { actorId: assigner },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      // A role with nothing beyond what the assigner holds there may be handed out.
      const harmless = await newRole({ roles: ['assign'] });
      const member = await registerUser();
      expect(
        await client.reply(
          'AssignRole',
          { userId: member, roleId: harmless, organizationId: org },
          { actorId: assigner },
        ),
      ).toMatchObject({ ok: true });
    });

    it('roles:create and roles:update cannot put into a role a permission their holder lacks', async () => {
      const maker = await registerUser();
      ok(
        await client.reply('AssignRole', {
          userId: maker,
          roleId: await newRole({ roles: ['create', 'update'], audit: ['read'] }),
        }),
      );
      const roleCode = `MINE_${randomUUID().slice(0, 6).toUpperCase()}`;
      expect(
        code(
          await client.reply(
            'CreateRole',
            { roleCode, name: 'x', permissions: { keys: ['destroy'] } },
            { actorId: maker },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      const mine = ok(
        await client.reply(
          'CreateRole',
          { roleCode, name: 'x', permissions: { audit: ['read'] } },
          { actorId: maker },
        ),
      ).id;
      expect(
        code(
          await client.reply(
            'UpdateRole',
            { roleId: mine, permissions: { users: ['update'] } },
            { actorId: maker },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
    });

    it('an organization’s managers cannot pull in or manage an account that is not only theirs', async () => {
      const org = await newOrganization();
      const manager = await registerUser();
      ok(
        await client.reply('AssignRole', {
          userId: manager,
          roleId: await newRole({ organizations: ['manage_members'], users: ['update', 'suspend'] }),
          organizationId: org,
        }),
      );
      // The global administrator cannot be pulled in, nor a user of no organization.
      expect(
        code(
          await client.reply(
            'AddUserToOrganization',
            { userId: stack.adminId, organizationId: org },
            { actorId: manager },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      const loner = await registerUser();
      expect(
        code(
          await client.reply(
            'AddUserToOrganization',
            { userId: loner, organizationId: org },
            { actorId: manager },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      // Put in by a global administrator, an account holding a global role stays out of their reach.
      const auditor = await registerUser({ roleCodes: ['AUDITOR'] });
      ok(await client.reply('AddUserToOrganization', { userId: auditor, organizationId: org }));
      expect(
        code(
          await client.reply(
            'ChangePassword',
            { userId: auditor, password: 'taken over now!' },
            { actorId: manager },
          ),
        ),
      ).toBe('PERMISSION_DENIED');
      // So does one that belongs to another organization too.
      const other = await newOrganization();
      const shared = await registerUser();
      ok(await client.reply('AddUserToOrganization', { userId: shared, organizationId: org }));
      ok(await client.reply('AddUserToOrganization', { userId: shared, organizationId: other }));
      expect(code(await client.reply('SuspendUser', { userId: shared }, { actorId: manager }))).toBe(
        'PERMISSION_DENIED',
      );
      // A member of theirs alone is theirs to manage; once the organization is inactive, no longer.
      const member = await registerUser();
      ok(await client.reply('AddUserToOrganization', { userId: member, organizationId: org }));
      expect(await client.reply('SuspendUser', { userId: member }, { actorId: manager })).toMatchObject({
        ok: true,
      });
      ok(await client.reply('ReinstateUser', { userId: member }));
      ok(await client.reply('DeactivateOrganization', { organizationId: org }));
      expect(code(await client.reply('SuspendUser', { userId: member }, { actorId: manager }))).toBe(
        'PERMISSION_DENIED',
      );
    });

    it('sees a permission added to a role at once, though the instance remembered the role without it', async () => {
      const user = await registerUser();
      const role = await newRole({ users: ['read'] });
      ok(await client.reply('AssignRole', { userId: user, roleId: role }));
      expect(code(await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: user }))).toBe(
        'PERMISSION_DENIED',
      );
      ok(
        await client.reply('UpdateRole', {
          roleId: role,
          permissions: { users: ['read'], groups: ['create'] },
        }),
      );
      expect(
        await client.reply('CreateGroup', { name: `g-${randomUUID()}` }, { actorId: user }),
      ).toMatchObject({
        ok: true,
      });
    });

    it('refuses the ids certm3 keeps for itself', async () => {
      const reply = await client.reply('RegisterUser', {
        id: SYSTEM_ACTOR_ID,
        username: `u-${randomUUID()}`,
        email: `${randomUUID()}@example.com`,
        password,
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    });

    it('refuses variation selectors, blank Braille and fillers in names, and folds ß as SS', async () => {
      for (const username of ['admin\uFE0F', 'ad\u2800min', 'on\u3164call'])
        expect(
          code(
            await client.reply('RegisterUser', { username, email: `${randomUUID()}@example.com`, password }),
          ),
        ).toBe('VALIDATION_FAILED');
      for (const name of ['users\uFE0F', 'on\u3164call', 'on\u115Fcall', 'ｏｎｃａｌｌ'])
        expect(code(await client.reply('CreateGroup', { name }))).toBe('VALIDATION_FAILED');
      const suffix = randomUUID().slice(0, 6);
      await registerUser({ username: `straße-${suffix}` });
      expect(
        code(
          await client.reply('RegisterUser', {
            username: `STRASSE-${suffix}`,
            email: `${randomUUID()}@example.com`,
            password,
          }),
        ),
      ).toBe('USERNAME_TAKEN');
    });
  });
});
