import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { roleFields } from '../access/role-fields';
import { userFields } from './user-fields';

const registration = {
  id: userFields.id,
  username: userFields.username,
  email: userFields.email,
  password: userFields.password,
};

const reason = field.text({ maxLength: 10_000 }).optional().describe('why, for the audit trail');
const onUser = { userId: userFields.userId };

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
    refusals: ['ALREADY_BOOTSTRAPPED', 'EMAIL_TAKEN', 'USERNAME_TAKEN', 'USER_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'RegisterUser',
    summary:
      "Registers a user, who is a member of 'users' from then on and holds no role unless roleCodes names some (which needs roles:assign too).",
    actor: 'required',
    permission: 'users:create',
    body: {
      ...registration,
      roleCodes: field
        .array(roleFields.roleCode, { maxItems: 20 })
        .optional()
        .describe('global roles to assign at registration; needs roles:assign as well'),
    },
    refusals: ['EMAIL_TAKEN', 'USERNAME_TAKEN', 'USER_ALREADY_EXISTS', 'NOT_FOUND', 'PERMISSION_DENIED'],
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
    refusals: ['NOT_FOUND', 'USERNAME_TAKEN'],
  }),
  defineCommand({
    name: 'ChangePassword',
    summary:
      "Sets a new password (stored as a salted scrypt hash). One's own needs currentPassword; anyone else's needs users:update.",
    actor: 'required',
    permission: 'users:update',
    selfService: 'a user changes their own password by proving the current one (currentPassword)',
    body: {
      userId: userFields.userId,
      password: userFields.password,
      currentPassword: field
        .text({ minLength: 1, maxLength: 1024 })
        .secret()
        .optional()
        .describe('required when the actor changes their own password'),
    },
    refusals: ['NOT_FOUND', 'INVALID_CURRENT_PASSWORD'],
  }),
  defineCommand({
    name: 'DeactivateUser',
    summary: 'Deactivates a user (users are never deleted); never the last active administrator.',
    actor: 'required',
    permission: 'users:deactivate',
    body: { ...onUser, reason },
    refusals: ['NOT_FOUND', 'USER_ALREADY_INACTIVE', 'LAST_ADMINISTRATOR'],
  }),
  defineCommand({
    name: 'ReactivateUser',
    summary: 'Reactivates a deactivated (inactive) user.',
    actor: 'required',
    permission: 'users:deactivate',
    body: onUser,
    refusals: ['NOT_FOUND', 'USER_ALREADY_ACTIVE', 'USER_STATUS_CONFLICT'],
  }),
  defineCommand({
    name: 'SuspendUser',
    summary: 'Suspends an active user until reinstated; never the last active administrator.',
    actor: 'required',
    permission: 'users:suspend',
    body: { ...onUser, reason },
    refusals: ['NOT_FOUND', 'USER_STATUS_CONFLICT', 'LAST_ADMINISTRATOR'],
  }),
  defineCommand({
    name: 'ReinstateUser',
    summary: 'Makes a suspended user active again.',
    actor: 'required',
    permission: 'users:suspend',
    body: onUser,
    refusals: ['NOT_FOUND', 'USER_ALREADY_ACTIVE', 'USER_STATUS_CONFLICT'],
  }),
  defineCommand({
    name: 'LockUser',
    summary: 'Locks an active user out until unlocked; never the last active administrator.',
    actor: 'required',
    permission: 'users:lock',
    body: { ...onUser, reason },
    refusals: ['NOT_FOUND', 'USER_STATUS_CONFLICT', 'LAST_ADMINISTRATOR'],
  }),
  defineCommand({
    name: 'UnlockUser',
    summary: 'Makes a locked user active again.',
    actor: 'required',
    permission: 'users:lock',
    body: onUser,
    refusals: ['NOT_FOUND', 'USER_ALREADY_ACTIVE', 'USER_STATUS_CONFLICT'],
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
