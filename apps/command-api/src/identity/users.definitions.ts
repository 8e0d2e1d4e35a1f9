import {
  bootstrapEvolver,
  decideBootstrap,
  groupDecider,
  normalizeEmail,
  refuse,
  streamIds,
  USERS_GROUP_ID,
  USERS_GROUP_NAME,
  userDecider,
  UserCommand,
} from '@certm3/domain';
import { USER_COMMANDS } from '@certm3/contracts';
import { CommandContext } from '../execution/command-context';
import {
  CommandInput,
  CommandServices,
  defineCommandHandler,
  DefinitionsOf,
} from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';
import { emailReservations } from './email-reservations';

interface NewUser {
  readonly userId: string;
  readonly passwordHash: string;
}

/** The new user's id (the client's, or derived from the command id) and the password's hash, once. */
async function prepareNewUser(
  { body, context }: { body: { id?: string; password: string }; context: CommandContext },
  { passwords }: CommandServices,
): Promise<NewUser> {
  return {
    userId: body.id ?? derivedId(context.commandId, 'user'),
    passwordHash: await passwords.hash(body.password),
  };
}

/**
 * Reserves the address, then registers the user. A refused registration needs no release: the session
 * writes a refused command's events not at all.
 */
async function registerUser(
  session: StreamSession,
  user: {
    userId: string;
    username: string;
    email: string;
    passwordHash: string;
    registration: 'bootstrap' | 'standard';
  },
): Promise<number> {
  await emailReservations.reserve(session, user.email, user.userId);
  const { revision } = await session.decideAndAppend(streamIds.user(user.userId), userDecider, {
    type: 'RegisterUser',
    ...user,
  });
  return revision;
}

/** A command that changes the user's own stream only. */
function onUserStream<Name extends 'UpdateUserProfile' | 'DeactivateUser' | 'ReactivateUser' | 'DeleteUser'>(
  name: Name,
  toDomain: (body: CommandInput<Name>['body']) => UserCommand,
) {
  const userIdOf = (body: unknown) => (body as { userId: string }).userId;
  return defineCommandHandler<Name, never>(name, {
    reads: ({ body }) => [streamIds.user(userIdOf(body))],
    decide: async ({ body, session }) => {
      const userId = userIdOf(body);
      const { revision } = await session.decideAndAppend(streamIds.user(userId), userDecider, toDomain(body));
      return { id: userId, revision };
    },
  });
}

export const USER_COMMAND_DEFINITIONS = {
  BootstrapAdministrator: defineCommandHandler('BootstrapAdministrator', {
    prepare: prepareNewUser,
    // The new administrator is the actor of everything the bootstrap records.
    actingUser: ({ prepared }) => prepared.userId,
    reads: ({ body, prepared }) => [
      streamIds.bootstrap(),
      emailReservations.streamFor(body.email),
      streamIds.user(prepared.userId),
      streamIds.group(USERS_GROUP_NAME),
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
      const revision = joined
        ? Number(user.events[user.events.length - 1].revision)
        : session.append(
            user,
            userDecider.decide(
              { type: 'AddUserToGroup', group: { groupName: USERS_GROUP_NAME, groupId: USERS_GROUP_ID } },
              user.state,
            ),
          );
      return { id: userId, revision };
    },
  }),

  RegisterUser: defineCommandHandler('RegisterUser', {
    prepare: prepareNewUser,
    reads: ({ body, prepared }) => [emailReservations.streamFor(body.email), streamIds.user(prepared.userId)],
    decide: async ({ body, prepared: { userId, passwordHash }, session }) => ({
      id: userId,
      revision: await registerUser(session, {
        userId,
        username: body.username,
        email: body.email,
        passwordHash,
        registration: 'standard',
      }),
    }),
  }),

  ChangeUserEmail: defineCommandHandler('ChangeUserEmail', {
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

  UpdateUserProfile: onUserStream('UpdateUserProfile', (body) => ({
    type: 'UpdateUserProfile',
    username: body.username,
  })),

  ChangePassword: defineCommandHandler('ChangePassword', {
    prepare: async ({ body }, { passwords }) => passwords.hash(body.password),
    reads: ({ body }) => [streamIds.user(body.userId)],
    decide: async ({ body, prepared: passwordHash, session }) => {
      const { revision } = await session.decideAndAppend(streamIds.user(body.userId), userDecider, {
        type: 'ChangePassword',
        passwordHash,
      });
      return { id: body.userId, revision };
    },
  }),

  DeactivateUser: onUserStream('DeactivateUser', (body) => ({ type: 'DeactivateUser', reason: body.reason })),
  ReactivateUser: onUserStream('ReactivateUser', () => ({ type: 'ReactivateUser' })),
  DeleteUser: onUserStream('DeleteUser', () => ({ type: 'DeleteUser' })),
} satisfies DefinitionsOf<typeof USER_COMMANDS>;
