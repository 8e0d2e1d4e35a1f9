import { defineTable, timestamptz, uuid } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/**
 * Seed 001, "user_roles": one row per assignment (`id` is the event's assignmentId). A revocation stamps
 * `revoked_at`; assigning the role again is a new row, so the history stays. `organization_id` NULL: the
 * role holds everywhere. Every foreign key is indexed.
 */
export const userRoles = defineTable('user_roles', {
  columns: {
    id: uuid().primaryKey(),
    user_id: uuid().notNull().references('users', 'id'),
    role_id: uuid().notNull().references('roles', 'id'),
    organization_id: uuid().references('organizations', 'id'),
    assigned_at: timestamptz().notNull(),
    assigned_by: uuid(),
    revoked_at: timestamptz(),
    revoked_by: uuid(),
    ...stampColumns(),
  },
  indexes: {
    idx_user_roles_user_id: { columns: ['user_id'] },
    idx_user_roles_role_id: { columns: ['role_id'] },
    idx_user_roles_organization_id: { columns: ['organization_id'] },
  },
  triggers: updatedAtTrigger('user_roles'),
});
