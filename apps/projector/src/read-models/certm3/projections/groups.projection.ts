import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { groups } from '../tables/groups.table';
import { userGroups } from '../tables/user-groups.table';

/**
 * Groups and their members, one projection because deleting a group ends its memberships first (the
 * "users" group is never deleted, so constraint 4 holds).
 */
export const groupsProjection = defineProjection({
  name: 'groups',
  tables: [groups, userGroups],
  handlers: {
    GroupCreated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { name, description } = event.data;
      return [
        rows.insert('groups', {
          name,
          description,
          created_at: occurredAt,
          updated_at: occurredAt,
          updated_by: actorId,
        }),
      ];
    },
    GroupUpdated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { name, description } = event.data;
      return [rows.update('groups', { name }, { description, updated_at: occurredAt, updated_by: actorId })];
    },
    GroupDeleted: (event, rows) => {
      stampOf(event);
      const { name } = event.data;
      return [
        rows.delete('user_groups', { group_name: name }, { rows: 'any' }),
        rows.delete('groups', { name }),
      ];
    },
    UserAddedToGroup: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { userId, groupName } = event.data;
      return [
        rows.insert('user_groups', {
          user_id: userId,
          group_name: groupName,
          created_at: occurredAt,
          created_by: actorId,
        }),
      ];
    },
    UserRemovedFromGroup: (event, rows) => {
      stampOf(event);
      const { userId, groupName } = event.data;
      return [rows.delete('user_groups', { user_id: userId, group_name: groupName })];
    },
  },
});
