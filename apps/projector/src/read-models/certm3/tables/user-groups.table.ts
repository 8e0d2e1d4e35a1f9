import { defineTable, timestamp, uuid, varchar } from '@certm3/projection';
import { refuseDelete, refuseLeavingUsersGroup } from './guards';

/** Seed 000, "user_groups": a user is in a group at most once (constraint 7). */
export const userGroups = defineTable('user_groups', {
  columns: {
    user_id: uuid().notNull().references('users', 'id'),
    group_name: varchar(255).notNull().references('groups', 'name'),
    created_at: timestamp().notNull(),
    created_by: uuid().references('users', 'id'),
  },
  primaryKey: ['user_id', 'group_name'],
  indexes: {
    user_groups_user_id_idx: { columns: ['user_id'] },
    user_groups_group_name_idx: { columns: ['group_name'] },
  },
  triggers: {
    user_groups_keep_users_group: {
      timing: 'BEFORE',
      events: ['DELETE'],
      forEach: 'ROW',
      execute: refuseLeavingUsersGroup,
    },
    user_groups_refuse_truncate: {
      timing: 'BEFORE',
      events: ['TRUNCATE'],
      forEach: 'STATEMENT',
      execute: refuseDelete,
    },
  },
});
