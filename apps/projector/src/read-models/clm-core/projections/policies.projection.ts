import { Updateable } from 'kysely';
import { DatabaseOf, ProjectedEvent, RowWriter } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { changedBy, stampOf } from '../../event-stamp';
import { policies } from '../tables/policies.table';

type PoliciesDatabase = DatabaseOf<[typeof policies]>;

const updatePolicy = (
  event: ProjectedEvent<{ policyId: string }>,
  rows: RowWriter<PoliciesDatabase>,
  changes: Updateable<PoliciesDatabase['policies']>,
) => [rows.update('policies', { id: event.data.policyId }, { ...changes, ...changedBy(event) })];

/** Certificate policies: created draft, edited, activated, deactivated, archived (never deleted). */
export const policiesProjection = defineProjection({
  name: 'policies',
  tables: [policies],
  handlers: {
    PolicyCreated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { policyId, policyCode, name, description, organizationId, issuerId, policyRules } = event.data;
      return [
        rows.insert('policies', {
          id: policyId,
          policy_code: policyCode,
          name,
          description,
          organization_id: organizationId,
          issuer_id: issuerId,
          policy_rules: policyRules,
          status: 'draft',
          created_at: occurredAt,
          updated_at: occurredAt,
          created_by: actorId,
          updated_by: actorId,
        }),
      ];
    },
    PolicyUpdated: (event, rows) => {
      const { name, description, issuerId, policyRules } = event.data;
      return updatePolicy(event, rows, {
        name,
        description,
        issuer_id: issuerId,
        policy_rules: policyRules,
      });
    },
    PolicyActivated: (event, rows) => updatePolicy(event, rows, { status: 'active' }),
    PolicyDeactivated: (event, rows) => updatePolicy(event, rows, { status: 'inactive' }),
    PolicyArchived: (event, rows) => updatePolicy(event, rows, { status: 'archived' }),
  },
});
