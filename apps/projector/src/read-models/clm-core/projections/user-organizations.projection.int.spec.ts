import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { membershipId } from './user-organizations.projection';
import { at, organizationCreated, stamp, usersRegistered } from './spec-events.fixture';

describe('clm_core user_organizations projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const ada = randomUUID();
  const acme = randomUUID();
  const membership = (type: string, time: string) => ({
    type,
    data: { userId: ada, organizationId: acme },
    metadata: at(admin, time),
  });

  it('derives one id per user and organization, a UUID', () => {
    expect(membershipId(ada, acme)).toBe(membershipId(ada.toUpperCase(), acme));
    expect(membershipId(ada, acme)).not.toBe(membershipId(acme, ada));
    expect(membershipId(ada, acme)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('removes a member softly', () =>
    spec
      .given(
        ...usersRegistered(admin, ada),
        organizationCreated(acme, 'ACME'),
        membership('UserAddedToOrganization', '04:00:00'),
        membership('UserRemovedFromOrganization', '04:00:01'),
      )
      .then({
        user_organizations: [
          {
            id: membershipId(ada, acme),
            user_id: ada,
            organization_id: acme,
            joined_at: stamp('04:00:00'),
            deleted_at: stamp('04:00:01'),
            deleted_by: admin,
            updated_at: stamp('04:00:01'),
          },
        ],
      }));

  it('revives the row when the member joins again, keeping when it was first created', () =>
    spec
      .given(
        ...usersRegistered(admin, ada),
        organizationCreated(acme, 'ACME'),
        membership('UserAddedToOrganization', '04:00:00'),
        membership('UserRemovedFromOrganization', '04:00:01'),
        membership('UserAddedToOrganization', '04:00:02'),
      )
      .then({
        user_organizations: [
          {
            id: membershipId(ada, acme),
            joined_at: stamp('04:00:02'),
            deleted_at: null,
            deleted_by: null,
            created_at: stamp('04:00:00'),
            updated_at: stamp('04:00:02'),
          },
        ],
      }));
});
