import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY_RULES } from '@certm3/domain';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, organizationCreated, stamp } from './spec-events.fixture';

describe('clm_core policies projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const [tls, again, acme, ca, otherCa] = Array.from({ length: 5 }, () => randomUUID());
  const rules = { ...DEFAULT_POLICY_RULES, require_approval: true, allowed_domains: ['example.com'] };
  const created = (policyId: string, organizationId: string | null = null) => ({
    type: 'PolicyCreated',
    data: {
      policyId,
      policyCode: 'TLS_SERVER',
      name: 'TLS servers',
      description: null,
      organizationId,
      issuerId: ca,
      policyRules: rules,
    },
  });
  const event = (type: string, time: string, data: object = {}) => ({
    type,
    data: { policyId: tls, ...data },
    metadata: at(admin, time),
  });

  it('creates a policy draft, its rules as the event has them: the seed’s keys and the rest', () =>
    spec.given(organizationCreated(acme, 'ACME'), created(tls, acme)).then({
      policies: [
        {
          id: tls,
          policy_code: 'TLS_SERVER',
          name: 'TLS servers',
          description: null,
          organization_id: acme,
          issuer_id: ca,
          policy_rules: rules,
          status: 'draft',
          workflow_id: null,
          deleted_at: null,
          created_at: stamp('03:00:00'),
          updated_at: stamp('03:00:00'),
          created_by: admin,
          updated_by: admin,
        },
      ],
    }));

  it('edits, activates, deactivates and archives it', () =>
    spec
      .given(
        created(tls),
        event('PolicyUpdated', '04:00:00', {
          name: 'TLS',
          description: 'web servers',
          issuerId: otherCa,
          policyRules: DEFAULT_POLICY_RULES,
        }),
        event('PolicyActivated', '04:00:01'),
        event('PolicyDeactivated', '04:00:02'),
      )
      .then({
        policies: [
          {
            id: tls,
            name: 'TLS',
            description: 'web servers',
            issuer_id: otherCa,
            policy_rules: DEFAULT_POLICY_RULES,
            status: 'inactive',
            updated_at: stamp('04:00:02'),
          },
        ],
      }));

  it('frees an archived policy’s code for a new policy', () =>
    spec
      .given(created(tls), event('PolicyArchived', '04:00:00'), {
        ...created(again),
        metadata: at(admin, '05:00:00'),
      })
      .then({
        policies: [
          { id: tls, policy_code: 'TLS_SERVER', status: 'archived' },
          { id: again, policy_code: 'TLS_SERVER', status: 'draft' },
        ],
      }));

  it('refuses a second live policy with the same code', () =>
    spec.given(created(tls), created(again)).thenFails(/idx_policies_policy_code/));
});
