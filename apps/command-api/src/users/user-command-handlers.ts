import { Injectable } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  bootstrapEvolver,
  decideBootstrap,
  groupDecider,
  groupKey,
  normalizeEmail,
  refuse,
  streamIds,
  USERS_GROUP_ID,
  USERS_GROUP_NAME,
  userDecider,
  UserCommand,
} from '@certm3/domain';
import { CommandReply } from '@certm3/contracts';
import {
  AddUserToGroupCommand,
  BootstrapAdministratorCommand,
  ChangePasswordCommand,
  ChangeUserEmailCommand,
  DeactivateUserCommand,
  DeleteUserCommand,
  ReactivateUserCommand,
  RegisterUserCommand,
  RemoveUserFromGroupCommand,
  UpdateUserProfileCommand,
} from '../commands/certm3-commands';
import { CommandExecutor } from '../execution/command-executor';
import { derivedId, once } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';
import { PasswordHasher } from '../security/password-hasher';
import { EmailReservations } from './email-reservations';

/**
 * Reserves the address, then registers the user. A refused registration needs no release: the session
 * writes a refused command's events not at all (see StreamSession).
 */
async function registerUser(
  session: StreamSession,
  emails: EmailReservations,
  user: {
    userId: string;
    username: string;
    email: string;
    passwordHash: string;
    registration: 'bootstrap' | 'standard';
  },
): Promise<number> {
  await session.preload([emails.streamFor(user.email), streamIds.user(user.userId)]);
  await emails.reserve(session, user.email, user.userId);
  const { revision } = await session.decideAndAppend(streamIds.user(user.userId), userDecider, {
    type: 'RegisterUser',
    ...user,
  });
  return revision;
}

@CommandHandler(BootstrapAdministratorCommand)
export class BootstrapAdministratorHandler implements ICommandHandler<
  BootstrapAdministratorCommand,
  CommandReply
> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly hasher: PasswordHasher,
    private readonly emails: EmailReservations,
  ) {}

  execute({ body, context }: BootstrapAdministratorCommand): Promise<CommandReply> {
    const userId = body.id ?? derivedId(context.commandId, 'user');
    const passwordHash = once(() => this.hasher.hash(body.password));
    return this.executor.execute(
      { ...context, actorId: userId },
      async (session) => {
        // The new administrator is the actor of everything the bootstrap records.
        session.actAs(userId);
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

        await registerUser(session, this.emails, {
          userId,
          username: body.username,
          email: body.email,
          passwordHash: await passwordHash(),
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
      { requiresActor: false },
    );
  }
}

@CommandHandler(RegisterUserCommand)
export class RegisterUserHandler implements ICommandHandler<RegisterUserCommand, CommandReply> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly hasher: PasswordHasher,
    private readonly emails: EmailReservations,
  ) {}

  execute({ body, context }: RegisterUserCommand): Promise<CommandReply> {
    const userId = body.id ?? derivedId(context.commandId, 'user');
    const passwordHash = once(() => this.hasher.hash(body.password));
    return this.executor.execute(
      context,
      async (session) => {
        const revision = await registerUser(session, this.emails, {
          userId,
          username: body.username,
          email: body.email,
          passwordHash: await passwordHash(),
          registration: 'standard',
        });
        return { id: userId, revision };
      },
      { requiresActor: true },
    );
  }
}

@CommandHandler(ChangeUserEmailCommand)
export class ChangeUserEmailHandler implements ICommandHandler<ChangeUserEmailCommand, CommandReply> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly emails: EmailReservations,
  ) {}

  execute({ body, context }: ChangeUserEmailCommand): Promise<CommandReply> {
    return this.executor.execute(
      context,
      async (session) => {
        const streamId = streamIds.user(body.userId);
        await session.preload([streamId, this.emails.streamFor(body.email)]);
        const before = await session.load(streamId, userDecider);
        if (!before.state.exists) refuse('NOT_FOUND', 'no such user');
        // On a replay the stream already holds the change; the old address is the one it replaced.
        const alreadyChanged = before.writtenByThisCommand.find((event) => event.type === 'UserEmailChanged');
        const previousEmail = alreadyChanged
          ? (alreadyChanged.data.previousEmail as string)
          : before.state.email;
        const addressChanges = normalizeEmail(previousEmail) !== normalizeEmail(body.email);

        if (addressChanges) await this.emails.reserve(session, body.email, body.userId);
        const { revision } = await session.decideAndAppend(streamId, userDecider, {
          type: 'ChangeUserEmail',
          email: body.email,
        });
        // Seed 000, rule 5 with its consequence: changing an address frees the old one.
        if (addressChanges) await this.emails.release(session, previousEmail, body.userId);
        return { id: body.userId, revision };
      },
      { requiresActor: true },
    );
  }
}

/** Commands that touch only the user's own stream. */
// Decorated so TypeScript emits its constructor's parameter types, which the subclasses inherit.
@Injectable()
abstract class SingleUserStreamHandler<
  C extends { body: { userId: string }; context: AddUserToGroupCommand['context'] },
> {
  constructor(protected readonly executor: CommandExecutor) {}

  protected abstract toDomain(command: C, session: StreamSession): Promise<UserCommand>;

  /** Streams `toDomain` reads besides the user's, read together with it. */
  protected alsoReads(_command: C): string[] {
    return [];
  }

  execute(command: C): Promise<CommandReply> {
    return this.executor.execute(
      command.context,
      async (session) => {
        await session.preload([streamIds.user(command.body.userId), ...this.alsoReads(command)]);
        const domainCommand = await this.toDomain(command, session);
        const { revision } = await session.decideAndAppend(
          streamIds.user(command.body.userId),
          userDecider,
          domainCommand,
        );
        return { id: command.body.userId, revision };
      },
      { requiresActor: true },
    );
  }
}

@CommandHandler(UpdateUserProfileCommand)
export class UpdateUserProfileHandler extends SingleUserStreamHandler<UpdateUserProfileCommand> {
  protected async toDomain({ body }: UpdateUserProfileCommand): Promise<UserCommand> {
    return { type: 'UpdateUserProfile', username: body.username };
  }
}

@CommandHandler(ChangePasswordCommand)
export class ChangePasswordHandler extends SingleUserStreamHandler<ChangePasswordCommand> {
  constructor(
    executor: CommandExecutor,
    private readonly hasher: PasswordHasher,
  ) {
    super(executor);
  }

  protected async toDomain({ body }: ChangePasswordCommand): Promise<UserCommand> {
    return { type: 'ChangePassword', passwordHash: await this.hasher.hash(body.password) };
  }
}

@CommandHandler(DeactivateUserCommand)
export class DeactivateUserHandler extends SingleUserStreamHandler<DeactivateUserCommand> {
  protected async toDomain({ body }: DeactivateUserCommand): Promise<UserCommand> {
    return { type: 'DeactivateUser', reason: body.reason };
  }
}

@CommandHandler(ReactivateUserCommand)
export class ReactivateUserHandler extends SingleUserStreamHandler<ReactivateUserCommand> {
  protected async toDomain(): Promise<UserCommand> {
    return { type: 'ReactivateUser' };
  }
}

@CommandHandler(DeleteUserCommand)
export class DeleteUserHandler extends SingleUserStreamHandler<DeleteUserCommand> {
  protected async toDomain(): Promise<UserCommand> {
    return { type: 'DeleteUser' };
  }
}

/** The group a membership command names, as it is now: its display name and its current incarnation. */
async function currentGroup(session: StreamSession, groupName: string) {
  const { state } = await session.load(streamIds.group(groupName), groupDecider);
  if (state.status === 'active') return { groupName: state.name, groupId: state.groupId };
  if (groupKey(groupName) === USERS_GROUP_NAME)
    return { groupName: USERS_GROUP_NAME, groupId: USERS_GROUP_ID };
  return refuse('NOT_FOUND', 'no such group');
}

@CommandHandler(AddUserToGroupCommand)
export class AddUserToGroupHandler extends SingleUserStreamHandler<AddUserToGroupCommand> {
  protected override alsoReads({ body }: AddUserToGroupCommand): string[] {
    return [streamIds.group(body.groupName)];
  }

  protected async toDomain({ body }: AddUserToGroupCommand, session: StreamSession): Promise<UserCommand> {
    return { type: 'AddUserToGroup', group: await currentGroup(session, body.groupName) };
  }
}

@CommandHandler(RemoveUserFromGroupCommand)
export class RemoveUserFromGroupHandler extends SingleUserStreamHandler<RemoveUserFromGroupCommand> {
  protected override alsoReads({ body }: RemoveUserFromGroupCommand): string[] {
    return [streamIds.group(body.groupName)];
  }

  protected async toDomain(
    { body }: RemoveUserFromGroupCommand,
    session: StreamSession,
  ): Promise<UserCommand> {
    return { type: 'RemoveUserFromGroup', group: await currentGroup(session, body.groupName) };
  }
}

export const USER_COMMAND_HANDLERS = [
  BootstrapAdministratorHandler,
  RegisterUserHandler,
  ChangeUserEmailHandler,
  UpdateUserProfileHandler,
  ChangePasswordHandler,
  DeactivateUserHandler,
  ReactivateUserHandler,
  DeleteUserHandler,
  AddUserToGroupHandler,
  RemoveUserFromGroupHandler,
];
