import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { userFields } from './user-fields';

const groupName = field.text({ minLength: 1, maxLength: 255, trimmed: true, noControlCharacters: true });
const description = field.text({ maxLength: 10_000 });
const membership = { userId: userFields.userId, groupName: field.text({ minLength: 1, maxLength: 255 }) };

export const GROUP_COMMANDS = commandSet(
  defineCommand({
    name: 'CreateGroup',
    summary: 'Creates a group; names are unique case-insensitively.',
    actor: 'required',
    permission: 'groups:create',
    body: { name: groupName, description: description.nullable().optional() },
    refusals: ['GROUP_NAME_TAKEN'],
  }),
  defineCommand({
    name: 'UpdateGroup',
    summary: "Replaces a group's description; 'users' is protected.",
    actor: 'required',
    permission: 'groups:update',
    body: { name: groupName, description: description.nullable() },
    refusals: ['NOT_FOUND', 'GROUP_PROTECTED'],
  }),
  defineCommand({
    name: 'DeleteGroup',
    summary: "Deletes a group and ends its memberships; 'users' is protected.",
    actor: 'required',
    permission: 'groups:delete',
    body: { name: groupName },
    refusals: ['NOT_FOUND', 'GROUP_PROTECTED'],
  }),
  defineCommand({
    name: 'AddUserToGroup',
    summary: 'Adds an active user to a group.',
    actor: 'required',
    permission: 'groups:manage_members',
    body: membership,
    refusals: ['NOT_FOUND', 'ALREADY_MEMBER', 'USER_INACTIVE'],
  }),
  defineCommand({
    name: 'RemoveUserFromGroup',
    summary: "Removes a user from a group; never from 'users'.",
    actor: 'required',
    permission: 'groups:manage_members',
    body: membership,
    refusals: ['NOT_FOUND', 'NOT_A_MEMBER', 'USERS_GROUP_MEMBERSHIP_REQUIRED'],
  }),
);
