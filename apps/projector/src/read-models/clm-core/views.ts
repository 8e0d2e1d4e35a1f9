import { defineView } from '@certm3/projection';

/**
 * Seed 001, "active_users_with_roles": the active users (status active, not deleted) with the names and
 * codes of the roles they hold — live assignments (not revoked) of roles not deleted, in any organization —
 * aggregated, empty arrays for none. Never the password hash or the MFA secret.
 */
export const activeUsersWithRoles = defineView(
  'active_users_with_roles',
  `SELECT u.id, u.username, u.email, u.status, u.created_at, u.updated_at,
       COALESCE(array_agg(DISTINCT r.name) FILTER (WHERE r.id IS NOT NULL), '{}') AS role_names,
       COALESCE(array_agg(DISTINCT r.role_code) FILTER (WHERE r.id IS NOT NULL), '{}') AS role_codes
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id AND ur.revoked_at IS NULL
  LEFT JOIN roles r ON r.id = ur.role_id AND r.deleted_at IS NULL
 WHERE u.status = 'active' AND u.deleted_at IS NULL
 GROUP BY u.id`,
);

/**
 * Seed 001, "certificate_summary": each certificate's metadata with its owner's name, email and status and
 * its organization's code and name (NULL without one). Never the password hash; the certificate itself is
 * clm_secure_db's.
 */
export const certificateSummary = defineView(
  'certificate_summary',
  `SELECT cm.id, cm.certificate_id, cm.owner_user_id,
       u.username AS owner_username, u.email AS owner_email, u.status AS owner_status,
       cm.organization_id, o.org_code AS organization_code, o.name AS organization_name,
       cm.tags, cm.environment, cm.application, cm.notes, cm.created_at, cm.updated_at
  FROM certificate_metadata cm
  JOIN users u ON u.id = cm.owner_user_id
  LEFT JOIN organizations o ON o.id = cm.organization_id`,
);
