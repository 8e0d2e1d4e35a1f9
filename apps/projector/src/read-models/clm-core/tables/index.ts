import { DatabaseOf } from '@certm3/projection';
import { auditLog } from './audit-log.table';
import { certificateMetadata } from './certificate-metadata.table';
import { notifications } from './notifications.table';
import { organizations } from './organizations.table';
import { policies } from './policies.table';
import { roles } from './roles.table';
import { userOrganizations } from './user-organizations.table';
import { userRoles } from './user-roles.table';
import { users } from './users.table';

export {
  auditLog,
  certificateMetadata,
  notifications,
  organizations,
  policies,
  roles,
  userOrganizations,
  userRoles,
  users,
};

/** The clm_core tables as kysely sees them, inferred from their definitions. */
export type ClmCoreDatabase = DatabaseOf<
  [
    typeof users,
    typeof roles,
    typeof organizations,
    typeof userRoles,
    typeof userOrganizations,
    typeof policies,
    typeof certificateMetadata,
    typeof notifications,
    typeof auditLog,
  ]
>;
