import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, stamp } from './spec-events.fixture';

const admin = randomUUID();
const registered = (userId: string, username: string, time = '03:00:00') => ({
  type: 'UserRegistered',
  data: {
    userId,
    username,
    email: `${username}@example.com`,
    passwordHash: `scrypt$${username}`,
    registration: 'standard',
  },
  metadata: at(admin, time),
});

describe('clm_core users projection', () => {
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const alice = randomUUID();
  const change = (type: string, time: string, data: object = {}) => ({
    type,
    data: { userId: alice, ...data },
    metadata: at(admin, time),
  });

  it('registers users active, stamped with the event time and actor, mfa_secret empty', () =>
    spec.given(registered(admin, 'admin'), registered(alice, 'alice', '03:00:01')).then({
      users: [
        {
          id: admin,
          username: 'admin',
          email: 'admin@example.com',
          password_hash: 'scrypt$admin',
          mfa_secret: null,
          status: 'active',
          status_reason: null,
          deleted_at: null,
          created_at: stamp('03:00:00'),
          updated_at: stamp('03:00:00'),
          created_by: admin,
          updated_by: admin,
        },
        { id: alice, status: 'active', created_at: stamp('03:00:01'), created_by: admin },
      ],
    }));

  it('follows every status: inactive, suspended, locked, and back to active, with the reason given', () =>
    spec
      .given(
        registered(admin, 'admin'),
        registered(alice, 'alice'),
        change('UserDeactivated', '04:00:00', { reason: 'left' }),
        change('UserReactivated', '04:00:01'),
        change('UserSuspended', '04:00:02', { reason: 'investigation' }),
      )
      .then({
        users: [
          { id: admin, status: 'active' },
          {
            id: alice,
            status: 'suspended',
            status_reason: 'investigation',
            status_changed_at: stamp('04:00:02'),
            updated_at: stamp('04:00:02'),
          },
        ],
      }));

  it('reinstates, locks and unlocks', () =>
    spec
      .given(
        registered(admin, 'admin'),
        registered(alice, 'alice'),
        change('UserSuspended', '04:00:00'),
        change('UserReinstated', '04:00:01'),
        change('UserLocked', '04:00:02', { reason: 'too many attempts' }),
      )
      .then({ users: [{ id: admin }, { id: alice, status: 'locked', status_reason: 'too many attempts' }] }));

  it('unlocks back to active, clearing the reason', () =>
    spec
      .given(
        registered(admin, 'admin'),
        registered(alice, 'alice'),
        change('UserLocked', '04:00:00', { reason: 'too many attempts' }),
        change('UserUnlocked', '04:00:01'),
      )
      .then({
        users: [
          { id: admin },
          { id: alice, status: 'active', status_reason: null, status_changed_at: stamp('04:00:01') },
        ],
      }));

  it('changes email, username and password hash', () =>
    spec
      .given(
        registered(admin, 'admin'),
        registered(alice, 'alice'),
        change('UserEmailChanged', '04:00:00', {
          email: 'a@example.com',
          previousEmail: 'alice@example.com',
        }),
        change('UserProfileUpdated', '04:00:01', { username: 'Alice' }),
        change('UserPasswordChanged', '04:00:02', { passwordHash: 'scrypt$new' }),
      )
      .then({
        users: [
          { id: admin },
          {
            id: alice,
            username: 'Alice',
            email: 'a@example.com',
            password_hash: 'scrypt$new',
            updated_at: stamp('04:00:02'),
          },
        ],
      }));

  it('replays an old log holding the same username and email twice (the indexes are not unique)', () =>
    spec
      .given(registered(admin, 'admin'), { ...registered(alice, 'admin'), metadata: at(admin, '03:00:01') })
      .then({
        users: [
          { id: admin, username: 'admin', email: 'admin@example.com' },
          { id: alice, username: 'admin', email: 'admin@example.com' },
        ],
      }));

  it('halts on a change to a user the tables have never seen, naming the row', () =>
    spec
      .given({ type: 'UserLocked', data: { userId: alice } })
      .thenFails(`users row id=${alice}: expected to change 1 row, changed 0`));
});
