import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { certm3Model } from '../certm3.model';

const admin = randomUUID();
const at = (time: string) => ({ actorId: admin, occurredAt: `2026-11-29T${time}.000Z` });
const registered = (userId: string, username: string, time = '03:00:00') => ({
  type: 'UserRegistered',
  data: {
    userId,
    username,
    email: `${username}@example.com`,
    passwordHash: `scrypt$${username}`,
    registration: 'standard',
  },
  metadata: at(time),
});

describe('users projection', () => {
  const spec = projectionSpec(certm3Model, { metadata: at('03:00:00') });
  const alice = randomUUID();

  it('registers users active, stamped with the event time and actor', () =>
    spec.given(registered(admin, 'admin'), registered(alice, 'alice', '03:00:01')).then({
      users: [
        {
          id: admin,
          username: 'admin',
          email: 'admin@example.com',
          password_hash: 'scrypt$admin',
          is_active: true,
          created_at: '2026-11-29T03:00:00',
          updated_at: '2026-11-29T03:00:00',
          updated_by: admin,
        },
        { id: alice, is_active: true, created_at: '2026-11-29T03:00:01', updated_by: admin },
      ],
    }));

  it('changes email, username and password hash, deactivates and reactivates, keeping created_at', () =>
    spec
      .given(
        registered(admin, 'admin'),
        registered(alice, 'alice'),
        {
          type: 'UserEmailChanged',
          data: { userId: alice, email: 'a@example.com', previousEmail: 'alice@example.com' },
          metadata: at('04:00:00'),
        },
        { type: 'UserProfileUpdated', data: { userId: alice, username: 'Alice' }, metadata: at('04:00:01') },
        {
          type: 'UserPasswordChanged',
          data: { userId: alice, passwordHash: 'scrypt$new' },
          metadata: at('04:00:02'),
        },
        { type: 'UserDeactivated', data: { userId: alice }, metadata: at('04:00:03') },
        { type: 'UserReactivated', data: { userId: alice }, metadata: at('04:00:04') },
        { type: 'UserDeactivated', data: { userId: alice, reason: 'left' }, metadata: at('04:00:05') },
      )
      .then({
        users: [
          { id: admin, username: 'admin' },
          {
            id: alice,
            username: 'Alice',
            email: 'a@example.com',
            password_hash: 'scrypt$new',
            is_active: false,
            created_at: '2026-11-29T03:00:00',
            updated_at: '2026-11-29T04:00:05',
          },
        ],
      }));

  it('halts on a change to a user the tables have never seen, naming the row', () =>
    spec
      .given({ type: 'UserDeactivated', data: { userId: alice } })
      .thenFails(`users row id=${alice}: expected to change 1 row, changed 0`));

  it('halts on a second user with the same email (constraint 5)', () =>
    spec
      .given(registered(admin, 'admin'), { ...registered(alice, 'admin'), metadata: at('03:00:01') })
      .thenFails(/users_email_idx/));

  it('halts on an event without its actor or time', () =>
    spec
      .given({ ...registered(alice, 'alice'), metadata: { actorId: null, occurredAt: null } })
      .thenFails('the event has no occurredAt or actorId in its metadata'));
});
