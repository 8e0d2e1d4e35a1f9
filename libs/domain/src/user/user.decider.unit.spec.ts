import { USERS_GROUP_ID } from '../shared/ids';
import { deciderSpec } from '../testing/decider-spec';
import { userDecider, userUsesEmail } from './user.decider';
import { UserEvent } from './user.events';
import { foldEvents } from '../shared/decider';

const userId = '11111111-1111-4111-8111-111111111111';
const ops = { groupName: 'ops', groupId: '22222222-2222-4222-8222-222222222222' };
const registered: UserEvent[] = [
  {
    type: 'UserRegistered',
    data: {
      userId,
      username: 'ada',
      email: 'Ada@Example.com',
      passwordHash: 'scrypt$hash',
      registration: 'standard',
    },
  },
  { type: 'UserAddedToGroup', data: { userId, groupName: 'users', groupId: USERS_GROUP_ID } },
];
const deactivated: UserEvent[] = [...registered, { type: 'UserDeactivated', data: { userId } }];
const inOps: UserEvent[] = [...registered, { type: 'UserAddedToGroup', data: { userId, ...ops } }];
const { given } = deciderSpec(userDecider);

describe('user', () => {
  describe('RegisterUser', () => {
    const register = {
      type: 'RegisterUser',
      userId,
      username: 'ada',
      email: 'Ada@Example.com',
      passwordHash: 'scrypt$hash',
      registration: 'standard',
    } as const;

    it('registers the user and makes them a member of "users" from the start', () => {
      given([]).when(register).then(registered);
    });

    it('registers the bootstrapped administrator alone: the "users" group is created after them, and they join it then', () => {
      given([])
        .when({ ...register, registration: 'bootstrap' })
        .then([
          { type: 'UserRegistered', data: { ...registered[0].data, registration: 'bootstrap' } } as UserEvent,
        ]);
    });

    it('refuses an id that is already registered', () => {
      given(registered).when(register).thenRefuses('USER_ALREADY_EXISTS');
    });
  });

  describe('DeleteUser (seed 000, constraint 1)', () => {
    it('is always refused: users are only deactivated', () => {
      given(registered).when({ type: 'DeleteUser' }).thenRefuses('USER_DELETION_FORBIDDEN');
      given(deactivated).when({ type: 'DeleteUser' }).thenRefuses('USER_DELETION_FORBIDDEN');
      given([]).when({ type: 'DeleteUser' }).thenRefuses('USER_DELETION_FORBIDDEN');
    });
  });

  describe('DeactivateUser and ReactivateUser', () => {
    it('deactivates an active user, keeping the reason', () => {
      given(registered)
        .when({ type: 'DeactivateUser', reason: 'left the company' })
        .then([{ type: 'UserDeactivated', data: { userId, reason: 'left the company' } }]);
    });

    it('refuses to deactivate twice or to reactivate an active user', () => {
      given(deactivated).when({ type: 'DeactivateUser' }).thenRefuses('USER_ALREADY_INACTIVE');
      given(registered).when({ type: 'ReactivateUser' }).thenRefuses('USER_ALREADY_ACTIVE');
    });

    it('reactivates a deactivated user', () => {
      given(deactivated)
        .when({ type: 'ReactivateUser' })
        .then([{ type: 'UserReactivated', data: { userId } }]);
    });

    it('refuses commands for a user that does not exist', () => {
      given([]).when({ type: 'DeactivateUser' }).thenRefuses('NOT_FOUND');
    });
  });

  describe('profile, email and password', () => {
    it('changes the email, recording the previous one', () => {
      given(registered)
        .when({ type: 'ChangeUserEmail', email: 'ada@new.example' })
        .then([
          {
            type: 'UserEmailChanged',
            data: { userId, email: 'ada@new.example', previousEmail: 'Ada@Example.com' },
          },
        ]);
    });

    it('records nothing when the email or username does not change', () => {
      given(registered).when({ type: 'ChangeUserEmail', email: 'Ada@Example.com' }).thenNothingHappens();
      given(registered).when({ type: 'UpdateUserProfile', username: 'ada' }).thenNothingHappens();
    });

    it('updates the username and changes the password hash', () => {
      given(registered)
        .when({ type: 'UpdateUserProfile', username: 'ada.l' })
        .then([{ type: 'UserProfileUpdated', data: { userId, username: 'ada.l' } }]);
      given(registered)
        .when({ type: 'ChangePassword', passwordHash: 'scrypt$new' })
        .then([{ type: 'UserPasswordChanged', data: { userId, passwordHash: 'scrypt$new' } }]);
    });

    it('knows whether the user still uses an address, case-insensitively', () => {
      const state = foldEvents(userDecider, registered);
      expect(userUsesEmail(state, 'ada@example.COM')).toBe(true);
      expect(userUsesEmail(state, 'other@example.com')).toBe(false);
    });
  });

  describe('group membership (seed 000, constraints 4 and 7)', () => {
    it('adds an active user to a group once', () => {
      given(registered)
        .when({ type: 'AddUserToGroup', group: ops })
        .then([{ type: 'UserAddedToGroup', data: { userId, ...ops } }]);
      given(inOps)
        .when({ type: 'AddUserToGroup', group: { groupName: 'OPS', groupId: ops.groupId } })
        .thenRefuses('ALREADY_MEMBER');
    });

    it('treats a group re-created under the same name as a different group', () => {
      given(inOps)
        .when({
          type: 'AddUserToGroup',
          group: { groupName: 'ops', groupId: '33333333-3333-4333-8333-333333333333' },
        })
        .then([
          {
            type: 'UserAddedToGroup',
            data: { userId, groupName: 'ops', groupId: '33333333-3333-4333-8333-333333333333' },
          },
        ]);
    });

    it('refuses to add a deactivated user to a group', () => {
      given(deactivated).when({ type: 'AddUserToGroup', group: ops }).thenRefuses('USER_INACTIVE');
    });

    it('removes a member, and refuses to remove a non-member', () => {
      given(inOps)
        .when({ type: 'RemoveUserFromGroup', group: ops })
        .then([{ type: 'UserRemovedFromGroup', data: { userId, ...ops } }]);
      given(registered).when({ type: 'RemoveUserFromGroup', group: ops }).thenRefuses('NOT_A_MEMBER');
    });

    it('never removes anyone from "users"', () => {
      given(registered)
        .when({ type: 'RemoveUserFromGroup', group: { groupName: 'Users', groupId: USERS_GROUP_ID } })
        .thenRefuses('USERS_GROUP_MEMBERSHIP_REQUIRED');
    });
  });
});
