import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, organizationCreated, stamp } from './spec-events.fixture';

describe('clm_core organizations projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const acme = randomUUID();
  const event = (type: string, time: string, data: object = {}) => ({
    type,
    data: { organizationId: acme, ...data },
    metadata: at(admin, time),
  });

  it('creates organizations active', () =>
    spec.given(organizationCreated(acme, 'ACME')).then({
      organizations: [
        {
          id: acme,
          org_code: 'ACME',
          name: 'ACME Ltd',
          status: 'active',
          deleted_at: null,
          created_at: stamp('03:00:00'),
          created_by: admin,
        },
      ],
    }));

  it('updates, deactivates with the reason, reactivates and deletes softly', () =>
    spec
      .given(
        organizationCreated(acme, 'ACME'),
        event('OrganizationUpdated', '04:00:00', { name: 'Acme', description: 'tenant' }),
        event('OrganizationDeactivated', '04:00:01', { reason: 'unpaid' }),
      )
      .then({
        organizations: [
          { id: acme, name: 'Acme', description: 'tenant', status: 'inactive', status_reason: 'unpaid' },
        ],
      }));

  it('reactivates and deletes softly', () =>
    spec
      .given(
        organizationCreated(acme, 'ACME'),
        event('OrganizationDeactivated', '04:00:00'),
        event('OrganizationReactivated', '04:00:01'),
        event('OrganizationDeleted', '04:00:02', { orgCode: 'ACME' }),
      )
      .then({
        organizations: [
          {
            id: acme,
            status: 'active',
            status_reason: null,
            deleted_at: stamp('04:00:02'),
            updated_at: stamp('04:00:02'),
          },
        ],
      }));
});
