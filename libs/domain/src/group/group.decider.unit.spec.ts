import { USERS_GROUP_ID } from '../shared/ids';
import { deciderSpec } from '../testing/decider-spec';
import { groupDecider } from './group.decider';
import { GroupEvent } from './group.events';

const groupId = '44444444-4444-4444-8444-444444444444';
const created: GroupEvent[] = [
  { type: 'GroupCreated', data: { groupId, name: 'Ops', description: 'on call', system: false } },
];
const deleted: GroupEvent[] = [...created, { type: 'GroupDeleted', data: { groupId, name: 'Ops' } }];
const usersGroup: GroupEvent[] = [
  {
    type: 'GroupCreated',
    data: { groupId: USERS_GROUP_ID, name: 'users', description: 'every user', system: true },
  },
];
const { given } = deciderSpec(groupDecider);

describe('group', () => {
  it('creates a group', () => {
    given([]).when({ type: 'CreateGroup', groupId, name: 'Ops', description: 'on call' }).then(created);
  });

  it('refuses a name that is taken (seed 000, constraint 6)', () => {
    given(created)
      .when({ type: 'CreateGroup', groupId, name: 'ops', description: null })
      .thenRefuses('GROUP_NAME_TAKEN');
    given(usersGroup)
      .when({ type: 'CreateGroup', groupId, name: 'users', description: null })
      .thenRefuses('GROUP_NAME_TAKEN');
  });

  it('never lets a command create a group named "users"', () => {
    given([])
      .when({ type: 'CreateGroup', groupId, name: 'Users', description: null })
      .thenRefuses('GROUP_NAME_TAKEN');
  });

  it('creates a group again under the name of a deleted one, as a new group', () => {
    const newId = '55555555-5555-4555-8555-555555555555';
    given(deleted)
      .when({ type: 'CreateGroup', groupId: newId, name: 'Ops', description: null })
      .then([
        { type: 'GroupCreated', data: { groupId: newId, name: 'Ops', description: null, system: false } },
      ]);
  });

  it('updates and deletes a group', () => {
    given(created)
      .when({ type: 'UpdateGroup', name: 'ops', description: 'pager' })
      .then([{ type: 'GroupUpdated', data: { groupId, name: 'Ops', description: 'pager' } }]);
    given(created).when({ type: 'UpdateGroup', name: 'ops', description: 'on call' }).thenNothingHappens();
    given(created).when({ type: 'DeleteGroup', name: 'ops' }).then(deleted.slice(1));
  });

  it('refuses to change a group that does not exist or was deleted', () => {
    given([]).when({ type: 'UpdateGroup', name: 'ops', description: null }).thenRefuses('NOT_FOUND');
    given(deleted).when({ type: 'DeleteGroup', name: 'ops' }).thenRefuses('NOT_FOUND');
  });

  it('protects "users" from updates and deletion (seed 000, constraint 3)', () => {
    given(usersGroup)
      .when({ type: 'UpdateGroup', name: 'users', description: 'x' })
      .thenRefuses('GROUP_PROTECTED');
    given(usersGroup).when({ type: 'DeleteGroup', name: 'USERS' }).thenRefuses('GROUP_PROTECTED');
    given([]).when({ type: 'DeleteGroup', name: 'users' }).thenRefuses('GROUP_PROTECTED');
  });
});
