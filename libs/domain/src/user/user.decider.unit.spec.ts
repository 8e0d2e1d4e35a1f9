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

  describe('statuses: active, inactive, suspended, locked', () => {
    const suspended: UserEvent[] = [
      ...registered,
      { type: 'UserSuspended', data: { userId, reason: 'audit' } },
    ];
    const locked: UserEvent[] = [...registered, { type: 'UserLocked', data: { userId } }];

    it('suspends and locks an active user, each way back only from its own status', () => {
      given(registered)
        .when({ type: 'SuspendUser', reason: 'audit' })
        .then([{ type: 'UserSuspended', data: { userId, reason: 'audit' } }]);
      given(registered)
        .when({ type: 'LockUser' })
        .then([{ type: 'UserLocked', data: { userId } }]);
      given(suspended)
        .when({ type: 'ReinstateUser' })
        .then([{ type: 'UserReinstated', data: { userId } }]);
      given(locked)
        .when({ type: 'UnlockUser' })
        .then([{ type: 'UserUnlocked', data: { userId } }]);
      given(suspended).when({ type: 'UnlockUser' }).thenRefuses('USER_STATUS_CONFLICT');
      given(locked).when({ type: 'ReactivateUser' }).thenRefuses('USER_STATUS_CONFLICT');
      given(registered).when({ type: 'ReinstateUser' }).thenRefuses('USER_ALREADY_ACTIVE');
      given(suspended).when({ type: 'SuspendUser' }).thenRefuses('USER_STATUS_CONFLICT');
      given(deactivated).when({ type: 'LockUser' }).thenRefuses('USER_STATUS_CONFLICT');
    });

    it('deactivates a suspended or locked user too', () => {
      given(suspended)
        .when({ type: 'DeactivateUser' })
        .then([{ type: 'UserDeactivated', data: { userId } }]);
      given(locked)
        .when({ type: 'DeactivateUser' })
        .then([{ type: 'UserDeactivated', data: { userId } }]);
    });

    it('never takes the last active administrator out of action', () => {
      for (const type of ['DeactivateUser', 'SuspendUser', 'LockUser'] as const)
        given(registered).when({ type, isLastAdministrator: true }).thenRefuses('LAST_ADMINISTRATOR');
    });

    it('folds each status', () => {
      expect(foldEvents(userDecider, suspended)).toMatchObject({ status: 'suspended' });
      expect(foldEvents(userDecider, locked)).toMatchObject({ status: 'locked' });
      expect(foldEvents(userDecider, [...locked, { type: 'UserUnlocked', data: { userId } }])).toMatchObject({
        status: 'active',
      });
    });
  });

  describe('organizations and roles', () => {
    const organizationId = '55555555-5555-4555-8555-555555555555';
    const role = { roleId: '66666666-6666-4666-8666-666666666666', roleCode: 'OPERATOR' };
    const assigned: UserEvent = {
      type: 'RoleAssigned',
      data: { assignmentId: 'a1', userId, ...role, organizationId: null },
    };

    it('joins an organization once and leaves it once', () => {
      const joined: UserEvent = { type: 'UserAddedToOrganization', data: { userId, organizationId } };
      given(registered).when({ type: 'AddUserToOrganization', organizationId }).then([joined]);
      given([...registered, joined])
        .when({ type: 'AddUserToOrganization', organizationId })
        .thenRefuses('ALREADY_IN_ORGANIZATION');
      given(registered)
        .when({ type: 'RemoveUserFromOrganization', organizationId })
        .thenRefuses('NOT_IN_ORGANIZATION');
      given([...registered, joined])
        .when({ type: 'RemoveUserFromOrganization', organizationId })
        .then([{ type: 'UserRemovedFromOrganization', data: { userId, organizationId } }]);
    });

    it('holds a role once per scope; revoking ends that assignment, assigning again is a new one', () => {
      given(registered)
        .when({ type: 'AssignRole', assignmentId: 'a1', role, organizationId: null })
        .then([assigned]);
      given([...registered, assigned])
        .when({ type: 'AssignRole', assignmentId: 'a2', role, organizationId: null })
        .thenRefuses('ROLE_ALREADY_ASSIGNED');
      given([...registered, assigned])
        .when({ type: 'AssignRole', assignmentId: 'a2', role, organizationId })
        .then([{ type: 'RoleAssigned', data: { assignmentId: 'a2', userId, ...role, organizationId } }]);
      const revoked: UserEvent = {
        type: 'RoleRevoked',
        data: { assignmentId: 'a1', userId, roleId: role.roleId, organizationId: null },
      };
      given([...registered, assigned])
        .when({ type: 'RevokeRole', roleId: role.roleId, organizationId: null })
        .then([revoked]);
      given([...registered, assigned, revoked])
        .when({ type: 'RevokeRole', roleId: role.roleId, organizationId: null })
        .thenRefuses('ROLE_NOT_ASSIGNED');
      given([...registered, assigned, revoked])
        .when({ type: 'AssignRole', assignmentId: 'a3', role, organizationId: null })
        .then([
          { type: 'RoleAssigned', data: { assignmentId: 'a3', userId, ...role, organizationId: null } },
        ]);
    });

    it('never takes ADMIN from the last active administrator', () => {
      given([...registered, assigned])
        .when({ type: 'RevokeRole', roleId: role.roleId, organizationId: null, isLastAdministrator: true })
        .thenRefuses('LAST_ADMINISTRATOR');
    });
  });
});
