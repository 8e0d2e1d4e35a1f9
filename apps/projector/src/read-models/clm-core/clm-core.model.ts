import { upcastEventData } from '@certm3/domain';
import { defineReadModel } from '../kit';
import { NOT_AUDITED, auditLogProjection } from './projections/audit-log.projection';
import { certificateMetadataProjection } from './projections/certificate-metadata.projection';
import { notificationsProjection } from './projections/notifications.projection';
import { organizationsProjection } from './projections/organizations.projection';
import { policiesProjection } from './projections/policies.projection';
import { rolesProjection } from './projections/roles.projection';
import { userOrganizationsProjection } from './projections/user-organizations.projection';
import { userRolesProjection } from './projections/user-roles.projection';
import { usersProjection } from './projections/users.projection';
import { activeUsersWithRoles, certificateSummary } from './views';

/**
 * The CLM platform's application database of seed 001 (clm_core_db): users, roles, user_roles,
 * organizations, user_organizations, policies, certificate_metadata, notifications and the append-only
 * audit_log, in schema public of their own database, with the documented names (see
 * documented-schema.fixture.ts). The seed's other tables (workflows, API keys, sessions) come with the
 * issues that write them.
 */
export const clmCoreModel = defineReadModel({
  name: 'clm_core',
  database: {
    setting: 'CLM_CORE_DATABASE_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/clm_core_db',
  },
  readerRole: 'clm_core_reader',
  // Parents before children: an event several projections handle runs their statements in this order.
  projections: [
    usersProjection,
    rolesProjection,
    organizationsProjection,
    userRolesProjection,
    userOrganizationsProjection,
    policiesProjection,
    certificateMetadataProjection,
    notificationsProjection,
    auditLogProjection,
  ],
  // Every other event type has its audit_log row; these have none and change no other table.
  ignores: NOT_AUDITED,
  views: [activeUsersWithRoles, certificateSummary],
  projectionVersion: 1,
  upcast: upcastEventData,
});
