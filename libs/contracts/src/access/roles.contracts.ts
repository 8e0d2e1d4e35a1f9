import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { userFields } from '../identity/user-fields';
import { roleFields } from './role-fields';

const assignment = {
  userId: userFields.userId,
  roleId: roleFields.roleId,
  organizationId: roleFields.organizationId,
};

export const ROLE_COMMANDS = commandSet(
  defineCommand({
    name: 'CreateRole',
    summary: 'Creates a role with its permissions; role codes are unique case-insensitively.',
    actor: 'required',
    permission: 'roles:create',
    body: {
      id: field.uuid().optional().describe('the new role’s id; derived from the command id when left out'),
      roleCode: roleFields.roleCode,
      name: roleFields.name,
      description: roleFields.description.nullable().optional(),
      permissions: roleFields.permissions,
    },
    refusals: ['ROLE_CODE_TAKEN', 'ROLE_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'UpdateRole',
    summary: "Changes a role's name, description or permissions; system roles are protected.",
    actor: 'required',
    permission: 'roles:update',
    body: {
      roleId: roleFields.roleId,
      name: roleFields.name.optional(),
      description: roleFields.description.nullable().optional(),
      permissions: roleFields.permissions.optional(),
    },
    refusals: ['NOT_FOUND', 'ROLE_PROTECTED'],
  }),
  defineCommand({
    name: 'DeleteRole',
    summary: 'Deletes a role (soft): its assignments stop granting; system roles are protected.',
    actor: 'required',
    permission: 'roles:delete',
    body: { roleId: roleFields.roleId },
    refusals: ['NOT_FOUND', 'ROLE_PROTECTED'],
  }),
  defineCommand({
    name: 'AssignRole',
    summary: 'Assigns a role to a user, everywhere or in one organization.',
    actor: 'required',
    permission: 'roles:assign',
    body: assignment,
    refusals: ['NOT_FOUND', 'ROLE_ALREADY_ASSIGNED', 'ORGANIZATION_INACTIVE'],
  }),
  defineCommand({
    name: 'RevokeRole',
    summary:
      'Revokes an assignment (revoked_at is set; history stays); never the last administrator’s ADMIN.',
    actor: 'required',
    permission: 'roles:assign',
    body: assignment,
    refusals: ['NOT_FOUND', 'ROLE_NOT_ASSIGNED', 'LAST_ADMINISTRATOR'],
  }),
);
