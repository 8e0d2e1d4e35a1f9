/** What the clm_core projection specs share with certm3's (an instant by an actor, users), and more. */
export { at, certificateFacts, usersRegistered } from '../../certm3/projections/spec-events.fixture';
import { at } from '../../certm3/projections/spec-events.fixture';

/** The timestamptz of `at(…, time)` as the specs read rows back (to_jsonb of a timestamptz, UTC session). */
export const stamp = (time: string) => `2026-11-29T${time}+00:00`;

export const roleCreated = (roleId: string, roleCode: string, time = '03:00:00', actor?: string) => ({
  type: 'RoleCreated',
  data: {
    roleId,
    roleCode,
    name: roleCode.toLowerCase(),
    description: null,
    permissions: { certificates: ['create', 'read'], audit: ['read'] },
    system: false,
  },
  ...(actor ? { metadata: at(actor, time) } : {}),
});

export const organizationCreated = (organizationId: string, orgCode: string) => ({
  type: 'OrganizationCreated',
  data: { organizationId, orgCode, name: `${orgCode} Ltd`, description: null },
});
