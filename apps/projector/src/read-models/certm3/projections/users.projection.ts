import { Updateable } from 'kysely';
import { DatabaseOf, ProjectedEvent, RowWriter } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { users } from '../tables/users.table';

type UsersDatabase = DatabaseOf<[typeof users]>;
type UserChange = Pick<
  Updateable<UsersDatabase['users']>,
  'email' | 'username' | 'password_hash' | 'is_active'
>;

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

/**
 * Users as seed 000 has them: registered, changed, deactivated and reactivated; never deleted. `is_active`
 * is true exactly when the user's status is active: suspended and locked users are not, reinstated and
 * unlocked ones are again.
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
          is_active: true,
          created_at: occurredAt,
          updated_at: occurredAt,
          updated_by: actorId,
        }),
      ];
    },
    UserEmailChanged: (event, rows) => updateUser(event, rows, { email: event.data.email }),
    UserProfileUpdated: (event, rows) => updateUser(event, rows, { username: event.data.username }),
    UserPasswordChanged: (event, rows) => updateUser(event, rows, { password_hash: event.data.passwordHash }),
    UserDeactivated: (event, rows) => updateUser(event, rows, { is_active: false }),
    UserReactivated: (event, rows) => updateUser(event, rows, { is_active: true }),
    UserSuspended: (event, rows) => updateUser(event, rows, { is_active: false }),
    UserReinstated: (event, rows) => updateUser(event, rows, { is_active: true }),
    UserLocked: (event, rows) => updateUser(event, rows, { is_active: false }),
    UserUnlocked: (event, rows) => updateUser(event, rows, { is_active: true }),
  },
});
