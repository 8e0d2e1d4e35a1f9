import {
  groupDecider,
  GroupCommand,
  groupKey,
  isNormalisedName,
  refuse,
  streamIds,
  USERS_GROUP_ID,
  USERS_GROUP_NAME,
  userDecider,
} from '@certm3/domain';
import { GROUP_COMMANDS } from '@certm3/contracts';
import { defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';
import { CommandValidationError } from '../execution/command-executor';
import { assertIdentifiers } from './new-user';

/** Group commands touch the group's stream only; its name is the key, so uniqueness needs no reservation. */
function onGroupStream<Name extends 'CreateGroup' | 'UpdateGroup' | 'DeleteGroup'>(
  name: Name,
  toDomain: (body: { name: string; description?: string | null }, commandId: string) => GroupCommand,
) {
  const bodyOf = (body: unknown) => body as { name: string; description?: string | null };
  return defineCommandHandler<Name, never>(name, {
    // A new name cannot pass for another: no invisible characters, and in the form names are compared in.
    prepare: ({ body }) => {
      if (name !== 'CreateGroup') return undefined as never;
      const groupName = bodyOf(body).name;
      assertIdentifiers({ name: groupName });
      if (!isNormalisedName(groupName))
        throw new CommandValidationError([
          {
            field: 'name',
            message: 'name must be in Unicode NFKC form (no full-width or decomposed letters)',
          },
        ]);
      return undefined as never;
    },
    target: ({ body }) => ({ type: 'group', id: groupKey(bodyOf(body).name) }),
    reads: ({ body }) => [streamIds.group(bodyOf(body).name)],
    decide: async ({ body, context, session }) => {
      const { name: groupName } = bodyOf(body);
      const { revision, state } = await session.decideAndAppend(
        streamIds.group(groupName),
        groupDecider,
        toDomain(bodyOf(body), context.commandId),
      );
      return { id: state.status === 'absent' ? groupName : state.name, revision };
    },
  });
}

/**
 * The group a membership command names, as it is now: its display name and its current incarnation. Read
 * through the session, so the membership commits only if the group is still that incarnation (a group
 * deleted meanwhile makes the command decide again, and refuse).
 */
async function currentGroup(session: StreamSession, groupName: string) {
  const { state } = await session.load(streamIds.group(groupName), groupDecider);
  if (state.status === 'active') return { groupName: state.name, groupId: state.groupId };
  if (groupKey(groupName) === USERS_GROUP_NAME)
    return { groupName: USERS_GROUP_NAME, groupId: USERS_GROUP_ID };
  return refuse('NOT_FOUND', 'no such group');
}

/** Memberships live in the user's stream and name the group's incarnation. */
function onMembership<Name extends 'AddUserToGroup' | 'RemoveUserFromGroup'>(name: Name) {
  const bodyOf = (body: unknown) => body as { userId: string; groupName: string };
  return defineCommandHandler<Name, never>(name, {
    target: ({ body }) => ({ type: 'group', id: groupKey(bodyOf(body).groupName) }),
    reads: ({ body }) => [streamIds.user(bodyOf(body).userId), streamIds.group(bodyOf(body).groupName)],
    decide: async ({ body, session }) => {
      const { userId, groupName } = bodyOf(body);
      const group = await currentGroup(session, groupName);
      const { revision } = await session.decideAndAppend(streamIds.user(userId), userDecider, {
        type: name,
        group,
      });
      return { id: userId, revision };
    },
  });
}

export const GROUP_COMMAND_DEFINITIONS = {
  CreateGroup: onGroupStream('CreateGroup', (body, commandId) => ({
    type: 'CreateGroup',
    groupId: derivedId(commandId, 'group'),
    name: body.name,
    description: body.description ?? null,
  })),
  UpdateGroup: onGroupStream('UpdateGroup', (body) => ({
    type: 'UpdateGroup',
    name: body.name,
    description: body.description ?? null,
  })),
  DeleteGroup: onGroupStream('DeleteGroup', (body) => ({ type: 'DeleteGroup', name: body.name })),
  AddUserToGroup: onMembership('AddUserToGroup'),
  RemoveUserFromGroup: onMembership('RemoveUserFromGroup'),
} satisfies DefinitionsOf<typeof GROUP_COMMANDS>;
