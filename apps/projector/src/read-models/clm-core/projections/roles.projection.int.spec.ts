import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, roleCreated, stamp } from './spec-events.fixture';

describe('clm_core roles projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const auditor = randomUUID();
  const other = randomUUID();

  it('creates roles with the seed-shaped permissions', () =>
    spec.given(roleCreated(auditor, 'AUDITOR')).then({
      roles: [
        {
          id: auditor,
          role_code: 'AUDITOR',
          name: 'auditor',
          description: null,
          permissions: { certificates: ['create', 'read'], audit: ['read'] },
          is_system: false,
          deleted_at: null,
          created_at: stamp('03:00:00'),
          updated_at: stamp('03:00:00'),
          created_by: admin,
        },
      ],
    }));

  it('updates name, description and permissions to the new values, and deletes softly', () =>
    spec
      .given(
        roleCreated(auditor, 'AUDITOR'),
        {
          type: 'RoleUpdated',
          data: {
            roleId: auditor,
            name: 'Auditors',
            description: 'read the log',
            permissions: { audit: ['read'] },
          },
          metadata: at(admin, '04:00:00'),
        },
        {
          type: 'RoleDeleted',
          data: { roleId: auditor, roleCode: 'AUDITOR' },
          metadata: at(admin, '04:00:01'),
        },
      )
      .then({
        roles: [
          {
            id: auditor,
            name: 'Auditors',
            description: 'read the log',
            permissions: { audit: ['read'] },
            deleted_at: stamp('04:00:01'),
            updated_at: stamp('04:00:01'),
            created_at: stamp('03:00:00'),
          },
        ],
      }));

  it('lets a deleted role code be used again, and no live role share one', async () => {
    await spec
      .given(
        roleCreated(auditor, 'AUDITOR'),
        { type: 'RoleDeleted', data: { roleId: auditor, roleCode: 'AUDITOR' } },
        roleCreated(other, 'AUDITOR'),
      )
      .then({
        roles: [
          { id: auditor, role_code: 'AUDITOR' },
          { id: other, role_code: 'AUDITOR', deleted_at: null },
        ],
      });
    await spec
      .given(roleCreated(auditor, 'AUDITOR'), roleCreated(other, 'AUDITOR'))
      .thenFails(/idx_roles_role_code/);
  });
});
