import { defineFunction } from '@certm3/projection';

/** Constraints 1 and 2 of seed 000, enforced by the database too: whatever writes here cannot break them. */
export const refuseDelete = defineFunction('refuse_delete', {
  returns: 'trigger',
  language: 'plpgsql',
  body: `
BEGIN
  RAISE EXCEPTION 'rows of %.% are never deleted (certM3 constraints 1 and 2)', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END`,
});

/** Constraint 4 of seed 000: nobody leaves the group "users". */
export const refuseLeavingUsersGroup = defineFunction('refuse_leaving_users_group', {
  returns: 'trigger',
  language: 'plpgsql',
  body: `
BEGIN
  IF OLD.group_name = 'users' THEN
    RAISE EXCEPTION 'no user can be removed from the group "users" (certM3 constraint 4)'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END`,
});

/** The two triggers of a table whose rows are never deleted (users, certificates). */
export function neverDeleted(table: string) {
  return {
    [`${table}_refuse_delete`]: {
      timing: 'BEFORE',
      events: ['DELETE'],
      forEach: 'ROW',
      execute: refuseDelete,
    },
    [`${table}_refuse_truncate`]: {
      timing: 'BEFORE',
      events: ['TRUNCATE'],
      forEach: 'STATEMENT',
      execute: refuseDelete,
    },
  } as const;
}
