import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { certm3Model } from '../certm3.model';
import { at as atTime, usersRegistered } from './spec-events.fixture';

const admin = randomUUID();
const alice = randomUUID();
const at = (time: string) => atTime(admin, time);
const users = usersRegistered(admin, alice);
const group = (name: string, description: string | null = null) => ({
  type: 'GroupCreated',
  data: { groupId: randomUUID(), name, description, system: name === 'users' },
});
const join = (userId: string, groupName: string, time = '03:00:00') => ({
  type: 'UserAddedToGroup',
  data: { userId, groupName, groupId: randomUUID() },
  metadata: at(time),
});

describe('groups projection (groups and user_groups)', () => {
  const spec = projectionSpec(certm3Model, { metadata: at('03:00:00') });

  it('creates and updates groups, and records who added whom', () =>
    spec
      .given(
        ...users,
        group('users'),
        group('ops', 'on call'),
        join(alice, 'users'),
        join(alice, 'ops', '03:30:00'),
        {
          type: 'GroupUpdated',
          data: { groupId: randomUUID(), name: 'ops', description: null },
          metadata: at('04:00:00'),
        },
      )
      .then({
        groups: [
          {
            name: 'ops',
            description: null,
            created_at: '2026-11-29T03:00:00',
            updated_at: '2026-11-29T04:00:00',
            updated_by: admin,
          },
          { name: 'users', description: null, updated_by: admin },
        ],
        user_groups: [
          { user_id: alice, group_name: 'ops', created_at: '2026-11-29T03:30:00', created_by: admin },
          { user_id: alice, group_name: 'users', created_by: admin },
        ],
      }));

  it('ends the memberships of a deleted group with it, and removes a member', () =>
    spec
      .given(
        ...users,
        group('users'),
        group('ops'),
        group('dev'),
        join(alice, 'users'),
        join(alice, 'ops'),
        join(admin, 'ops'),
        join(alice, 'dev'),
        { type: 'GroupDeleted', data: { groupId: randomUUID(), name: 'ops' } },
        { type: 'UserRemovedFromGroup', data: { userId: alice, groupName: 'dev', groupId: randomUUID() } },
      )
      .then({
        groups: [{ name: 'dev' }, { name: 'users' }],
        user_groups: [{ user_id: alice, group_name: 'users' }],
      }));

  it('halts on removing anyone from "users" (constraint 4)', () =>
    spec
      .given(...users, group('users'), join(alice, 'users'), {
        type: 'UserRemovedFromGroup',
        data: { userId: alice, groupName: 'users', groupId: randomUUID() },
      })
      .thenFails('no user can be removed from the group "users"'));

  it('halts on a membership of a group that does not exist', () =>
    spec.given(...users, join(alice, 'nowhere')).thenFails(/user_groups_group_name_fkey/));
});
