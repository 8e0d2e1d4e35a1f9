import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { userFields } from '../identity/user-fields';
import { ROLE_CODE_PATTERN } from '../access/role-fields';

const organizationId = field.uuid();
const name = field.text({ minLength: 1, maxLength: 255, trimmed: true, noControlCharacters: true });
const description = field.text({ maxLength: 10_000 });
const membership = { userId: userFields.userId, organizationId };

export const ORGANIZATION_COMMANDS = commandSet(
  defineCommand({
    name: 'CreateOrganization',
    summary: 'Creates an organization (a tenant); codes are unique case-insensitively.',
    actor: 'required',
    permission: 'organizations:create',
    body: {
      id: field
        .uuid()
        .optional()
        .describe('the new organization’s id; derived from the command id when left out'),
      orgCode: field
        .text({
          minLength: 2,
          maxLength: 64,
          pattern: { source: ROLE_CODE_PATTERN, description: `must match ${ROLE_CODE_PATTERN}` },
        })
        .describe('unique case-insensitively'),
      name,
      description: description.nullable().optional(),
    },
    refusals: ['ORG_CODE_TAKEN', 'ORGANIZATION_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'UpdateOrganization',
    summary: "Changes an organization's name or description.",
    actor: 'required',
    permission: 'organizations:update',
    body: { organizationId, name: name.optional(), description: description.nullable().optional() },
    refusals: ['NOT_FOUND'],
  }),
  defineCommand({
    name: 'DeactivateOrganization',
    summary:
      'Deactivates an organization: no members join it and no roles are scoped to it until reactivated.',
    actor: 'required',
    permission: 'organizations:update',
    body: { organizationId, reason: field.text({ maxLength: 10_000 }).optional() },
    refusals: ['NOT_FOUND', 'ORGANIZATION_INACTIVE'],
  }),
  defineCommand({
    name: 'ReactivateOrganization',
    summary: 'Reactivates an inactive organization.',
    actor: 'required',
    permission: 'organizations:update',
    body: { organizationId },
    refusals: ['NOT_FOUND', 'ORGANIZATION_ALREADY_ACTIVE'],
  }),
  defineCommand({
    name: 'DeleteOrganization',
    summary: 'Deletes an organization (soft): roles scoped to it stop granting.',
    actor: 'required',
    permission: 'organizations:delete',
    body: { organizationId },
    refusals: ['NOT_FOUND'],
  }),
  defineCommand({
    name: 'AddUserToOrganization',
    summary: 'Makes a user a member of an active organization.',
    actor: 'required',
    permission: 'organizations:manage_members',
    body: membership,
    refusals: ['NOT_FOUND', 'ALREADY_IN_ORGANIZATION', 'ORGANIZATION_INACTIVE'],
  }),
  defineCommand({
    name: 'RemoveUserFromOrganization',
    summary: 'Ends a user’s membership of an organization.',
    actor: 'required',
    permission: 'organizations:manage_members',
    body: membership,
    refusals: ['NOT_FOUND', 'NOT_IN_ORGANIZATION'],
  }),
);
