import { Updateable } from 'kysely';
import { DatabaseOf, ProjectedEvent, RowWriter } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { UserStatus } from '../tables/common';
import { users } from '../tables/users.table';

type UsersDatabase = DatabaseOf<[typeof users]>;
type UserChange = Pick<Updateable<UsersDatabase['users']>, 'email' | 'username' | 'password_hash'>;

function updateUser(
  event: ProjectedEvent<{ userId: string }>,
  rows: RowWriter<UsersDatabase>,
  changes: UserChange,
) {
  const { occurredAt, actorId } = stampOf(event);
  return [
    rows.update(
      'users',
      { id: event.data.userId },
      { ...changes, updated_at: occurredAt, updated_by: actorId },
    ),
  ];
}

/** A status change: the new status, the reason the command gave (NULL when back to active), and when. */
function setStatus(
  event: ProjectedEvent<{ userId: string; reason?: string }>,
  rows: RowWriter<UsersDatabase>,
  status: UserStatus,
) {
  const { occurredAt, actorId } = stampOf(event);
  return [
    rows.update(
      'users',
      { id: event.data.userId },
      {
        status,
        status_reason: status === 'active' ? null : (event.data.reason ?? null),
        status_changed_at: occurredAt,
        updated_at: occurredAt,
        updated_by: actorId,
      },
    ),
  ];
}

/**
 * clm_core's users: registered active; deactivated (inactive), suspended, locked, and back to active by
 * reactivation, reinstatement or unlocking; never deleted. Duplicate usernames or emails of an old log are
 * projected as they are (the indexes are not unique).
 */
export const usersProjection = defineProjection({
  name: 'users',
  tables: [users],
  handlers: {
    UserRegistered: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { userId, username, email, passwordHash } = event.data;
      return [
        rows.insert('users', {
          id: userId,
          username,
          email,
          password_hash: passwordHash,
          status: 'active',
          created_at: occurredAt,
          updated_at: occurredAt,
          created_by: actorId,
          updated_by: actorId,
        }),
      ];
    },
    UserEmailChanged: (event, rows) => updateUser(event, rows, { email: event.data.email }),
    UserProfileUpdated: (event, rows) => updateUser(event, rows, { username: event.data.username }),
    UserPasswordChanged: (event, rows) => updateUser(event, rows, { password_hash: event.data.passwordHash }),
    UserDeactivated: (event, rows) => setStatus(event, rows, 'inactive'),
    UserReactivated: (event, rows) => setStatus(event, rows, 'active'),
    UserSuspended: (event, rows) => setStatus(event, rows, 'suspended'),
    UserReinstated: (event, rows) => setStatus(event, rows, 'active'),
    UserLocked: (event, rows) => setStatus(event, rows, 'locked'),
    UserUnlocked: (event, rows) => setStatus(event, rows, 'active'),
  },
});
