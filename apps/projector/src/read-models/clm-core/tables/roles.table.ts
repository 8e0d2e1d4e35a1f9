import { RolePermissions } from '@certm3/domain';
import { boolean, defineTable, jsonb, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/**
 * Seed 001, "roles". `permissions` has the seed's shape, `{"certificates": ["create", …], …}`, GIN-indexed
 * for containment queries (`permissions @> '{"audit": ["read"]}'`). Deletion is soft (`deleted_at`); a role
 * code is unique among the roles not deleted.
 */
export const roles = defineTable('roles', {
  columns: {
    id: uuid().primaryKey(),
    role_code: varchar(50).notNull(),
    name: varchar(255).notNull(),
    description: text(),
    permissions: jsonb<RolePermissions>().notNull().default("'{}'::jsonb"),
    is_system: boolean().notNull().default('false'),
    deleted_at: timestamptz(),
    ...stampColumns(),
  },
  indexes: {
    idx_roles_role_code: { columns: ['role_code'], unique: true, where: 'deleted_at IS NULL' },
    idx_roles_permissions: { columns: ['permissions'], using: 'gin' },
  },
  triggers: updatedAtTrigger('roles'),
});
