import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { userFields } from './user-fields';

const registration = {
  id: userFields.id,
  username: userFields.username,
  email: userFields.email,
  password: userFields.password,
};

export const USER_COMMANDS = commandSet(
  defineCommand({
    name: 'BootstrapAdministrator',
    summary:
      "Registers the first administrator, who is their own actor; accepted without actor-id and only once. Also creates the group 'users'.",
    actor: 'none',
    permission: {
      unauthenticated:
        'the first administrator registers themselves, once: refused with ALREADY_BOOTSTRAPPED while they exist',
    },
    body: registration,
    refusals: ['ALREADY_BOOTSTRAPPED', 'EMAIL_TAKEN', 'USER_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'RegisterUser',
    summary: "Registers a user, who is a member of 'users' from then on.",
    actor: 'required',
    permission: 'users:create',
    body: registration,
    refusals: ['EMAIL_TAKEN', 'USER_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'ChangeUserEmail',
    summary: "Changes a user's email address; the old one is freed.",
    actor: 'required',
    permission: 'users:update',
    body: { userId: userFields.userId, email: userFields.email },
    refusals: ['NOT_FOUND', 'EMAIL_TAKEN'],
  }),
  defineCommand({
    name: 'UpdateUserProfile',
    summary: "Changes a user's username.",
    actor: 'required',
    permission: 'users:update',
    body: { userId: userFields.userId, username: userFields.username },
    refusals: ['NOT_FOUND'],
  }),
  defineCommand({
    name: 'ChangePassword',
    summary: 'Sets a new password (stored as a salted scrypt hash).',
    actor: 'required',
    permission: 'users:update',
    body: { userId: userFields.userId, password: userFields.password },
    refusals: ['NOT_FOUND'],
  }),
  defineCommand({
    name: 'DeactivateUser',
    summary: 'Deactivates a user (users are never deleted).',
    actor: 'required',
    permission: 'users:deactivate',
    body: {
      userId: userFields.userId,
      reason: field.text({ maxLength: 10_000 }).optional().describe('why, for the audit trail'),
    },
    refusals: ['NOT_FOUND', 'USER_ALREADY_INACTIVE'],
  }),
  defineCommand({
    name: 'ReactivateUser',
    summary: 'Reactivates a deactivated user.',
    actor: 'required',
    permission: 'users:reactivate',
    body: { userId: userFields.userId },
    refusals: ['NOT_FOUND', 'USER_ALREADY_ACTIVE'],
  }),
  defineCommand({
    name: 'DeleteUser',
    summary: 'Always refused with USER_DELETION_FORBIDDEN: users are only deactivated.',
    actor: 'required',
    permission: 'users:delete',
    body: { userId: userFields.userId },
    refusals: ['USER_DELETION_FORBIDDEN'],
  }),
);
