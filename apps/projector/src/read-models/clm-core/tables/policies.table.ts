import { PolicyRules, PolicyStatus } from '@certm3/domain';
import { defineTable, jsonb, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/** Seed 001, "Policy Status". */
export const POLICY_STATUSES = [
  'draft',
  'active',
  'inactive',
  'archived',
] as const satisfies readonly PolicyStatus[];

/**
 * Seed 001, "policies": certificate policies, created draft, then activated, deactivated and archived
 * (final). `policy_rules` is the event's rules as they are: the seed's keys (max_validity_days,
 * min_key_size, allowed_algorithms, require_approval, auto_renewal, renewal_threshold_days) and the rest,
 * GIN-indexed for containment queries. `issuer_id` is the certificate authority (clm_secure_db: a uuid, no
 * foreign key across databases). `workflow_id` stays NULL until the workflow issue fills it. A policy code
 * is unique among the policies not archived: archiving releases it for reuse.
 */
export const policies = defineTable('policies', {
  columns: {
    id: uuid().primaryKey(),
    policy_code: varchar(50).notNull(),
    name: varchar(255).notNull(),
    description: text(),
    organization_id: uuid().references('organizations', 'id'),
    issuer_id: uuid().notNull(),
    policy_rules: jsonb<PolicyRules>().notNull(),
    status: varchar(20).notNull().default("'draft'").oneOf(POLICY_STATUSES),
    workflow_id: uuid(),
    deleted_at: timestamptz(),
    ...stampColumns(),
  },
  indexes: {
    idx_policies_policy_code: { columns: ['policy_code'], unique: true, where: "status <> 'archived'" },
    idx_policies_status: { columns: ['status'], where: 'deleted_at IS NULL' },
    idx_policies_organization_id: { columns: ['organization_id'] },
    idx_policies_policy_rules: { columns: ['policy_rules'], using: 'gin' },
  },
  triggers: updatedAtTrigger('policies'),
});
