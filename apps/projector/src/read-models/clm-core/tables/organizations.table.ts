import { defineTable, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/**
 * Seed 001, "organizations" (tenants). Deactivation sets `status` (with the reason, if given); deletion is
 * soft (`deleted_at`), and an org code is unique among the organizations not deleted.
 */
export const organizations = defineTable('organizations', {
  columns: {
    id: uuid().primaryKey(),
    org_code: varchar(50).notNull(),
    name: varchar(255).notNull(),
    description: text(),
    status: varchar(20).notNull().default("'active'").oneOf(['active', 'inactive']),
    status_reason: text(),
    deleted_at: timestamptz(),
    ...stampColumns(),
  },
  indexes: {
    idx_organizations_org_code: { columns: ['org_code'], unique: true, where: 'deleted_at IS NULL' },
    idx_organizations_status: { columns: ['status'], where: 'deleted_at IS NULL' },
  },
  triggers: updatedAtTrigger('organizations'),
});
