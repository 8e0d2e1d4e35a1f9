import { defineTable, timestamptz, uuid } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/**
 * Seed 001, "user_organizations": one row per user and organization (`id` derived from the pair, see
 * membershipId). Leaving stamps `deleted_at` (soft); joining again revives the row (`deleted_at` NULL,
 * `joined_at` the new join; `created_at` stays the first). Every foreign key is indexed.
 */
export const userOrganizations = defineTable('user_organizations', {
  columns: {
    id: uuid().primaryKey(),
    user_id: uuid().notNull().references('users', 'id'),
    organization_id: uuid().notNull().references('organizations', 'id'),
    joined_at: timestamptz().notNull(),
    joined_by: uuid(),
    deleted_at: timestamptz(),
    deleted_by: uuid(),
    ...stampColumns(),
  },
  unique: { user_organizations_user_id_organization_id_key: ['user_id', 'organization_id'] },
  indexes: {
    idx_user_organizations_user_id: { columns: ['user_id'] },
    idx_user_organizations_organization_id: { columns: ['organization_id'] },
  },
  triggers: updatedAtTrigger('user_organizations'),
});
