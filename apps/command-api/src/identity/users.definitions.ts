import {
  bootstrapEvolver,
  decideBootstrap,
  groupDecider,
  identifierKey,
  normalizeEmail,
  refuse,
  roleCodeReservation,
  roleDecider,
  RolePermissions,
  streamIds,
  USERS_GROUP_ID,
  USERS_GROUP_NAME,
  userDecider,
  UserCommand,
} from '@certm3/domain';
import { USER_COMMANDS } from '@certm3/contracts';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { StreamSession } from '../execution/stream-session';
import { isLastAdministrator } from '../access/administrators';
import { installSystemRoles, systemRoleStreams } from '../access/system-roles';
import { emailReservations } from './email-reservations';
import { usernameReservations } from './username-reservations';
import { assertIdentifiers, lazyHash, prepareNewUser, registerUser } from './new-user';

const userTarget = (userId: string) => ({ type: 'user', id: userId }) as const;

/** A command that changes the user's own stream only. */
function onUserStream<
  Name extends
    | 'DeactivateUser'
    | 'ReactivateUser'
    | 'SuspendUser'
    | 'ReinstateUser'
    | 'LockUser'
    | 'UnlockUser'
    | 'DeleteUser',
>(name: Name, toDomain: (body: CommandInput<Name>['body']) => UserCommand, guardsLastAdministrator = false) {
  const userIdOf = (body: unknown) => (body as { userId: string }).userId;
  return defineCommandHandler<Name, never>(name, {
    reads: ({ body }) => [streamIds.user(userIdOf(body))],
    target: ({ body }) => userTarget(userIdOf(body)),
    decide: async ({ body, session }) => {
      const userId = userIdOf(body);
      const isLast = guardsLastAdministrator ? await isLastAdministrator(session, userId) : false;
      const { revision } = await session.decideAndAppend(streamIds.user(userId), userDecider, {
        ...toDomain(body),
        ...(isLast ? { isLastAdministrator: true } : {}),
      } as UserCommand);
      return { id: userId, revision };
    },
  });
}

/** The roles `roleCodes` name, live; NOT_FOUND names a code no live role has. */
async function rolesByCode(session: StreamSession, roleCodes: readonly string[]) {
  const roles: { roleId: string; roleCode: string; permissions: RolePermissions }[] = [];
  for (const roleCode of new Set(roleCodes)) {
    const reservation = await session.load(streamIds.roleCodeReservation(roleCode), roleCodeReservation);
    const role =
      reservation.state.holder === null
        ? undefined
        : await session.load(streamIds.role(reservation.state.holder), roleDecider);
    if (!role?.state.exists || role.state.deleted) refuse('NOT_FOUND', `no role ${roleCode}`, [{ roleCode }]);
    roles.push({
      roleId: role.state.roleId,
      roleCode: role.state.roleCode,
      permissions: role.state.permissions,
    });
  }
  return roles;
}

export const USER_COMMAND_DEFINITIONS = {
  BootstrapAdministrator: defineCommandHandler('BootstrapAdministrator', {
    prepare: prepareNewUser,
    // The new administrator is the actor of everything the bootstrap records.
    actingUser: ({ prepared }) => prepared.userId,
    target: ({ prepared }) => userTarget(prepared.userId),
    reads: ({ body, prepared }) => [
      streamIds.bootstrap(),
      emailReservations.streamFor(body.email),
      usernameReservations.streamFor(body.username),
      streamIds.user(prepared.userId),
      streamIds.group(USERS_GROUP_NAME),
      ...systemRoleStreams(prepared.userId),
    ],
    decide: async ({ body, prepared: { userId, passwordHash }, session }) => {
      const marker = await session.load(streamIds.bootstrap(), bootstrapEvolver);
      const previous = marker.state.administratorId;
      const previousExists =
        previous !== null &&
        previous !== userId &&
        (await session.load(streamIds.user(previous), userDecider)).state.exists;
      session.append(
        marker,
        decideBootstrap({ userId, bootstrappedAdministratorExists: previousExists }, marker.state),
      );
      await registerUser(session, {
        userId,
        username: body.username,
        email: body.email,
        passwordHash,
        registration: 'bootstrap',
      });
      const usersGroup = await session.load(streamIds.group(USERS_GROUP_NAME), groupDecider);
      if (usersGroup.state.status !== 'active') {
        session.append(
          usersGroup,
          groupDecider.decide(
            {
              type: 'CreateGroup',
              groupId: USERS_GROUP_ID,
              name: USERS_GROUP_NAME,
              description: 'Every user.',
              system: true,
            },
            usersGroup.state,
          ),
        );
      }
      // The read model needs the administrator before the group they create, and the group before
      // their membership: the events so far are written before the membership is decided.
      await session.writeNow();
      // Joined explicitly (not through decideAndAppend): this command already wrote to the user's stream.
      const user = await session.load(streamIds.user(userId), userDecider);
      const joined = user.state.exists && user.state.groups.has(USERS_GROUP_NAME);
      if (!joined)
        session.append(
          user,
          userDecider.decide(
            { type: 'AddUserToGroup', group: { groupName: USERS_GROUP_NAME, groupId: USERS_GROUP_ID } },
            user.state,
          ),
        );
      // The roles exist before the administrator is granted one; the membership is written first so the
      // user's stream is not appended to on both sides of the roles' streams.
      await session.writeNow();
      await installSystemRoles(session, userId);
      const after = await session.load(streamIds.user(userId), userDecider);
      return { id: userId, revision: Number(after.events[after.events.length - 1].revision) };
    },
  }),

  RegisterUser: defineCommandHandler('RegisterUser', {
    prepare: prepareNewUser,
    target: ({ prepared }) => ({ ...userTarget(prepared.userId), organizationId: null }),
    reads: ({ body, prepared }) => [
      emailReservations.streamFor(body.email),
      usernameReservations.streamFor(body.username),
      streamIds.user(prepared.userId),
      ...(body.roleCodes ?? []).map(streamIds.roleCodeReservation),
    ],
    decide: async ({ body, prepared: { userId, passwordHash }, session, access }) => {
      const roleCodes = body.roleCodes ?? [];
      const roles = roleCodes.length > 0 ? await rolesByCode(session, roleCodes) : [];
      // Granting roles is its own permission: users:create alone must not make administrators.
      if (roles.length > 0)
        await access!.require('roles:assign', { ...userTarget(userId), organizationId: null });
      return {
        id: userId,
        revision: await registerUser(
          session,
          { userId, username: body.username, email: body.email, passwordHash, registration: 'standard' },
          roles,
        ),
      };
    },
  }),

  ChangeUserEmail: defineCommandHandler('ChangeUserEmail', {
    prepare: ({ body }) => assertIdentifiers({ email: body.email }),
    target: ({ body }) => userTarget(body.userId),
    reads: ({ body }) => [streamIds.user(body.userId), emailReservations.streamFor(body.email)],
    decide: async ({ body, session }) => {
      const streamId = streamIds.user(body.userId);
      const before = await session.load(streamId, userDecider);
      if (!before.state.exists) refuse('NOT_FOUND', 'no such user');
      // On a replay the stream already holds the change; the old address is the one it replaced.
      const alreadyChanged = before.writtenByThisCommand.find((event) => event.type === 'UserEmailChanged');
      const previousEmail = alreadyChanged
        ? (alreadyChanged.data.previousEmail as string)
        : before.state.email;
      const addressChanges = normalizeEmail(previousEmail) !== normalizeEmail(body.email);

      if (addressChanges) await emailReservations.reserve(session, body.email, body.userId);
      const { revision } = await session.decideAndAppend(streamId, userDecider, {
        type: 'ChangeUserEmail',
        email: body.email,
      });
      // Seed 000, rule 5 with its consequence: changing an address frees the old one.
      if (addressChanges) await emailReservations.release(session, previousEmail, body.userId);
      return { id: body.userId, revision };
    },
  }),

  UpdateUserProfile: defineCommandHandler('UpdateUserProfile', {
    prepare: ({ body }) => assertIdentifiers({ username: body.username }),
    target: ({ body }) => userTarget(body.userId),
    reads: ({ body }) => [streamIds.user(body.userId), usernameReservations.streamFor(body.username)],
    decide: async ({ body, session }) => {
      const streamId = streamIds.user(body.userId);
      const before = await session.load(streamId, userDecider);
      if (!before.state.exists) refuse('NOT_FOUND', 'no such user');
      if (before.writtenByThisCommand.length > 0)
        return { id: body.userId, revision: Number(before.events[before.events.length - 1].revision) };
      const previous = before.state.username;
      const nameChanges = identifierKey(previous) !== identifierKey(body.username);
      if (nameChanges) await usernameReservations.reserve(session, body.username, body.userId);
      const { revision } = await session.decideAndAppend(streamId, userDecider, {
        type: 'UpdateUserProfile',
        username: body.username,
      });
      if (nameChanges) await usernameReservations.release(session, previous, body.userId);
      return { id: body.userId, revision };
    },
  }),

  ChangePassword: defineCommandHandler('ChangePassword', {
    prepare: ({ body }, services) => lazyHash(services, body.password),
    actsOnSelf: ({ body, context }) => body.userId === context.actorId,
    target: ({ body }) => userTarget(body.userId),
    reads: ({ body }) => [streamIds.user(body.userId)],
    decide: async ({ body, prepared: passwordHash, session, selfService, services }) => {
      const user = await session.load(streamIds.user(body.userId), userDecider);
      if (!user.state.exists) refuse('NOT_FOUND', 'no such user');
      if (selfService && user.writtenByThisCommand.length === 0) {
        // One's own password changes only with the current one: a session left open is not enough.
        const stored = [...user.events]
          .reverse()
          .find((event) => event.type === 'UserPasswordChanged' || event.type === 'UserRegistered');
        const current = stored?.data.passwordHash;
        const proven =
          body.currentPassword !== undefined &&
          typeof current === 'string' &&
          (await services.passwords.verify(body.currentPassword, current));
        if (!proven) refuse('INVALID_CURRENT_PASSWORD', undefined, [{ field: 'currentPassword' }]);
      }
      const { revision } = await session.decideAndAppend(streamIds.user(body.userId), userDecider, {
        type: 'ChangePassword',
        passwordHash: await passwordHash(),
      });
      return { id: body.userId, revision };
    },
  }),

  DeactivateUser: onUserStream(
    'DeactivateUser',
    (body) => ({ type: 'DeactivateUser', reason: body.reason }),
    true,
  ),
  ReactivateUser: onUserStream('ReactivateUser', () => ({ type: 'ReactivateUser' })),
  SuspendUser: onUserStream('SuspendUser', (body) => ({ type: 'SuspendUser', reason: body.reason }), true),
  ReinstateUser: onUserStream('ReinstateUser', () => ({ type: 'ReinstateUser' })),
  LockUser: onUserStream('LockUser', (body) => ({ type: 'LockUser', reason: body.reason }), true),
  UnlockUser: onUserStream('UnlockUser', () => ({ type: 'UnlockUser' })),
  DeleteUser: onUserStream('DeleteUser', () => ({ type: 'DeleteUser' })),
} satisfies DefinitionsOf<typeof USER_COMMANDS>;
