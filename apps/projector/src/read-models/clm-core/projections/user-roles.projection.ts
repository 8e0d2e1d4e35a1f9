import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { userRoles } from '../tables/user-roles.table';

/** Role assignments: one row each; a revocation stamps it, a new assignment is a new row. */
export const userRolesProjection = defineProjection({
  name: 'user_roles',
  tables: [userRoles],
  handlers: {
    RoleAssigned: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { assignmentId, userId, roleId, organizationId } = event.data;
      return [
        rows.insert('user_roles', {
          id: assignmentId,
          user_id: userId,
          role_id: roleId,
          organization_id: organizationId,
          assigned_at: occurredAt,
          assigned_by: actorId,
          created_at: occurredAt,
          updated_at: occurredAt,
          created_by: actorId,
          updated_by: actorId,
        }),
      ];
    },
    RoleRevoked: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      return [
        rows.update(
          'user_roles',
          { id: event.data.assignmentId },
          { revoked_at: occurredAt, revoked_by: actorId, updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
  },
});
