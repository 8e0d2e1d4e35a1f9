import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { roles } from '../tables/roles.table';

/** Roles: created, updated (the event carries the full new values), deleted softly. */
export const rolesProjection = defineProjection({
  name: 'roles',
  tables: [roles],
  handlers: {
    RoleCreated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { roleId, roleCode, name, description, permissions, system } = event.data;
      return [
        rows.insert('roles', {
          id: roleId,
          role_code: roleCode,
          name,
          description,
          permissions,
          is_system: system,
          created_at: occurredAt,
          updated_at: occurredAt,
          created_by: actorId,
          updated_by: actorId,
        }),
      ];
    },
    RoleUpdated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { roleId, name, description, permissions } = event.data;
      return [
        rows.update(
          'roles',
          { id: roleId },
          { name, description, permissions, updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
    RoleDeleted: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      return [
        rows.update(
          'roles',
          { id: event.data.roleId },
          { deleted_at: occurredAt, updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
  },
});
