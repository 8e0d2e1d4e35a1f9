import { PERMISSION_VOCABULARY, PermissionResource } from '@certm3/domain';
import { Field, field } from '../schema/fields';

/** Seed 001's roles.permissions shape, with the one vocabulary: unknown resources and actions are refused. */
const permissionsShape = Object.fromEntries(
  Object.entries(PERMISSION_VOCABULARY).map(([resource, actions]) => [
    resource,
    field.array(field.oneOf(actions as readonly string[]), { maxItems: actions.length * 2 }).optional(),
  ]),
) as { readonly [R in PermissionResource]: Field<string[] | undefined> };

export const ROLE_CODE_PATTERN = '^[A-Z][A-Z0-9_]{1,63}$';

export const roleFields = {
  roleId: field.uuid(),
  roleCode: field
    .text({
      minLength: 2,
      maxLength: 64,
      pattern: { source: ROLE_CODE_PATTERN, description: `must match ${ROLE_CODE_PATTERN}` },
    })
    .describe('unique case-insensitively'),
  name: field.text({ minLength: 1, maxLength: 255, trimmed: true, noControlCharacters: true }),
  description: field.text({ maxLength: 10_000 }),
  permissions: field
    .object(permissionsShape)
    .describe('an object from a resource to an array of actions, e.g. {"certificates": ["create", "read"]}'),
  organizationId: field
    .uuid()
    .optional()
    .describe('the organization the assignment is scoped to; left out: everywhere'),
};
