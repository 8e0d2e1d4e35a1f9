import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { userOrganizations } from '../tables/user-organizations.table';

/**
 * The id of a user's membership of an organization: the same for every join of the pair (so joining again
 * revives the row) and on every rebuild. A name-based UUID (version 8 layout) of the two ids.
 */
export function membershipId(userId: string, organizationId: string): string {
  const hex = createHash('sha256')
    .update(`clm_core/user_organizations/${userId.toLowerCase()}/${organizationId.toLowerCase()}`)
    .digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Organization memberships: joining inserts or revives the pair's row, leaving stamps deleted_at. */
export const userOrganizationsProjection = defineProjection({
  name: 'user_organizations',
  tables: [userOrganizations],
  handlers: {
    UserAddedToOrganization: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { userId, organizationId } = event.data;
      return [
        rows.statement(
          rows.db
            .insertInto('user_organizations')
            .values({
              id: membershipId(userId, organizationId),
              user_id: userId,
              organization_id: organizationId,
              joined_at: occurredAt,
              joined_by: actorId,
              created_at: occurredAt,
              updated_at: occurredAt,
              created_by: actorId,
              updated_by: actorId,
            })
            .onConflict((conflict) =>
              conflict.column('id').doUpdateSet({
                joined_at: sql`excluded.joined_at`,
                joined_by: sql`excluded.joined_by`,
                deleted_at: null,
                deleted_by: null,
                updated_at: sql`excluded.updated_at`,
                updated_by: sql`excluded.updated_by`,
              }),
            ),
          `user_organizations row user_id=${userId}, organization_id=${organizationId}`,
        ),
      ];
    },
    UserRemovedFromOrganization: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { userId, organizationId } = event.data;
      return [
        rows.update(
          'user_organizations',
          { id: membershipId(userId, organizationId) },
          { deleted_at: occurredAt, deleted_by: actorId, updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
  },
});
