import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, organizationCreated, roleCreated, stamp, usersRegistered } from './spec-events.fixture';

describe('clm_core user_roles projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const ada = randomUUID();
  const auditor = randomUUID();
  const acme = randomUUID();
  const [first, second] = [randomUUID(), randomUUID()];
  const assigned = (assignmentId: string, time: string, organizationId: string | null = null) => ({
    type: 'RoleAssigned',
    data: { assignmentId, userId: ada, roleId: auditor, roleCode: 'AUDITOR', organizationId },
    metadata: at(admin, time),
  });
  const revoked = (assignmentId: string, time: string, organizationId: string | null = null) => ({
    type: 'RoleRevoked',
    data: { assignmentId, userId: ada, roleId: auditor, organizationId },
    metadata: at(admin, time),
  });

  it('keeps the history: a revocation stamps the assignment, assigning again is a new row', () =>
    spec
      .given(
        ...usersRegistered(admin, ada),
        roleCreated(auditor, 'AUDITOR'),
        organizationCreated(acme, 'ACME'),
        assigned(first, '04:00:00', acme),
        revoked(first, '04:00:01', acme),
        assigned(second, '04:00:02'),
      )
      .then({
        user_roles: [
          {
            id: first,
            user_id: ada,
            role_id: auditor,
            organization_id: acme,
            assigned_at: stamp('04:00:00'),
            assigned_by: admin,
            revoked_at: stamp('04:00:01'),
            revoked_by: admin,
            updated_at: stamp('04:00:01'),
          },
          { id: second, organization_id: null, assigned_at: stamp('04:00:02'), revoked_at: null },
        ],
      }));

  it('halts on revoking an assignment never made', () =>
    spec
      .given(...usersRegistered(admin, ada), revoked(first, '04:00:00'))
      .thenFails(`user_roles row id=${first}: expected to change 1 row, changed 0`));
});
