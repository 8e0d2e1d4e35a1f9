import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { groupKey, normalizeEmail, USERS_GROUP_ID, USERS_GROUP_NAME } from '../shared/ids';
import { UserEvent } from './user.events';

/** Seed 001's user statuses. Only an active user acts or receives certificates. */
export type UserStatus = 'active' | 'inactive' | 'locked' | 'suspended';

/** A live role assignment, as the user's stream holds it. */
export interface RoleAssignment {
  readonly assignmentId: string;
  readonly roleId: string;
  readonly roleCode: string;
  readonly organizationId: string | null;
}

export type UserState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly userId: string;
      readonly username: string;
      readonly email: string;
      readonly status: UserStatus;
      /** Current memberships by group key; the id tells a re-created group from a deleted one. */
      readonly groups: ReadonlyMap<string, { readonly groupName: string; readonly groupId: string }>;
      readonly organizations: ReadonlySet<string>;
      /** Live role assignments by assignment id. */
      readonly assignments: ReadonlyMap<string, RoleAssignment>;
    };

/** A group as the user aggregate needs to know it; the handler reads it from the group's stream. */
export interface GroupReference {
  readonly groupName: string;
  readonly groupId: string;
}

export type UserCommand =
  | {
      type: 'RegisterUser';
      userId: string;
      username: string;
      email: string;
      passwordHash: string;
      registration: 'bootstrap' | 'standard';
    }
  | { type: 'ChangeUserEmail'; email: string }
  | { type: 'UpdateUserProfile'; username: string }
  | { type: 'ChangePassword'; passwordHash: string }
  | { type: 'DeactivateUser'; reason?: string; isLastAdministrator?: boolean }
  | { type: 'ReactivateUser' }
  | { type: 'SuspendUser'; reason?: string; isLastAdministrator?: boolean }
  | { type: 'ReinstateUser' }
  | { type: 'LockUser'; reason?: string; isLastAdministrator?: boolean }
  | { type: 'UnlockUser' }
  | { type: 'AddUserToOrganization'; organizationId: string }
  | { type: 'RemoveUserFromOrganization'; organizationId: string }
  | {
      type: 'AssignRole';
      assignmentId: string;
      role: { readonly roleId: string; readonly roleCode: string };
      organizationId: string | null;
    }
  | { type: 'RevokeRole'; roleId: string; organizationId: string | null; isLastAdministrator?: boolean }
  | { type: 'DeleteUser' }
  | { type: 'AddUserToGroup'; group: GroupReference }
  | { type: 'RemoveUserFromGroup'; group: GroupReference };

export const initialUserState: UserState = { exists: false };

function existing(state: UserState): Extract<UserState, { exists: true }> {
  if (!state.exists) refuse('NOT_FOUND', 'no such user');
  return state;
}

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.exists) refuse('USER_ALREADY_EXISTS');
      const { userId, username, email, passwordHash, registration } = command;
      const registered: UserEvent = {
        type: 'UserRegistered',
        data: { userId, username, email, passwordHash, registration },
      };
      // The first administrator exists before the "users" group does (the group's creation is their act):
      // bootstrap registers them, creates the group, then adds them to it, all in the one command.
      if (registration === 'bootstrap') return [registered];
      // Seed 000: every user belongs to "users" from registration on.
      return [
        registered,
        { type: 'UserAddedToGroup', data: { userId, groupName: USERS_GROUP_NAME, groupId: USERS_GROUP_ID } },
      ];
    }
    case 'ChangeUserEmail': {
      const user = existing(state);
      if (user.email === command.email) return [];
      return [
        {
          type: 'UserEmailChanged',
          data: { userId: user.userId, email: command.email, previousEmail: user.email },
        },
      ];
    }
    case 'UpdateUserProfile': {
      const user = existing(state);
      if (user.username === command.username) return [];
      return [{ type: 'UserProfileUpdated', data: { userId: user.userId, username: command.username } }];
    }
    case 'ChangePassword': {
      const user = existing(state);
      return [
        { type: 'UserPasswordChanged', data: { userId: user.userId, passwordHash: command.passwordHash } },
      ];
    }
    case 'DeactivateUser':
      return leaveActive(existing(state), 'UserDeactivated', 'inactive', command);
    case 'SuspendUser':
      return leaveActive(existing(state), 'UserSuspended', 'suspended', command);
    case 'LockUser':
      return leaveActive(existing(state), 'UserLocked', 'locked', command);
    case 'ReactivateUser':
      return backToActive(existing(state), 'UserReactivated', 'inactive');
    case 'ReinstateUser':
      return backToActive(existing(state), 'UserReinstated', 'suspended');
    case 'UnlockUser':
      return backToActive(existing(state), 'UserUnlocked', 'locked');
    case 'AddUserToOrganization': {
      const user = existing(state);
      if (user.organizations.has(command.organizationId)) refuse('ALREADY_IN_ORGANIZATION');
      return [
        {
          type: 'UserAddedToOrganization',
          data: { userId: user.userId, organizationId: command.organizationId },
        },
      ];
    }
    case 'RemoveUserFromOrganization': {
      const user = existing(state);
      if (!user.organizations.has(command.organizationId)) refuse('NOT_IN_ORGANIZATION');
      return [
        {
          type: 'UserRemovedFromOrganization',
          data: { userId: user.userId, organizationId: command.organizationId },
        },
      ];
    }
    case 'AssignRole': {
      const user = existing(state);
      if (liveAssignment(user, command.role.roleId, command.organizationId)) refuse('ROLE_ALREADY_ASSIGNED');
      return [
        {
          type: 'RoleAssigned',
          data: {
            assignmentId: command.assignmentId,
            userId: user.userId,
            roleId: command.role.roleId,
            roleCode: command.role.roleCode,
            organizationId: command.organizationId,
          },
        },
      ];
    }
    case 'RevokeRole': {
      const user = existing(state);
      const assignment = liveAssignment(user, command.roleId, command.organizationId);
      if (!assignment) refuse('ROLE_NOT_ASSIGNED');
      if (command.isLastAdministrator) refuse('LAST_ADMINISTRATOR');
      return [
        {
          type: 'RoleRevoked',
          data: {
            assignmentId: assignment.assignmentId,
            userId: user.userId,
            roleId: assignment.roleId,
            organizationId: assignment.organizationId,
          },
        },
      ];
    }
    case 'DeleteUser':
      // Seed 000, Constraint 1: users cannot be deleted, only deactivated.
      return refuse('USER_DELETION_FORBIDDEN');
    case 'AddUserToGroup': {
      const user = existing(state);
      if (user.status !== 'active') refuse('USER_INACTIVE', 'a deactivated user cannot join groups');
      if (user.groups.get(groupKey(command.group.groupName))?.groupId === command.group.groupId)
        refuse('ALREADY_MEMBER');
      return [{ type: 'UserAddedToGroup', data: { userId: user.userId, ...command.group } }];
    }
    case 'RemoveUserFromGroup': {
      const user = existing(state);
      if (groupKey(command.group.groupName) === USERS_GROUP_NAME) refuse('USERS_GROUP_MEMBERSHIP_REQUIRED');
      if (user.groups.get(groupKey(command.group.groupName))?.groupId !== command.group.groupId)
        refuse('NOT_A_MEMBER');
      return [{ type: 'UserRemovedFromGroup', data: { userId: user.userId, ...command.group } }];
    }
  }
}

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    const { userId, username, email } = event.data;
    return {
      exists: true,
      userId,
      username,
      email,
      status: 'active',
      groups: new Map(),
      organizations: new Set(),
      assignments: new Map(),
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'UserEmailChanged':
      return { ...state, email: event.data.email };
    case 'UserProfileUpdated':
      return { ...state, username: event.data.username };
    case 'UserPasswordChanged':
      return state;
    case 'UserDeactivated':
      return { ...state, status: 'inactive' };
    case 'UserSuspended':
      return { ...state, status: 'suspended' };
    case 'UserLocked':
      return { ...state, status: 'locked' };
    case 'UserReactivated':
    case 'UserReinstated':
    case 'UserUnlocked':
      return { ...state, status: 'active' };
    case 'UserAddedToOrganization':
      return { ...state, organizations: new Set(state.organizations).add(event.data.organizationId) };
    case 'UserRemovedFromOrganization': {
      const organizations = new Set(state.organizations);
      organizations.delete(event.data.organizationId);
      return { ...state, organizations };
    }
    case 'RoleAssigned': {
      const { assignmentId, roleId, roleCode, organizationId } = event.data;
      const assignments = new Map(state.assignments);
      assignments.set(assignmentId, { assignmentId, roleId, roleCode, organizationId });
      return { ...state, assignments };
    }
    case 'RoleRevoked': {
      const assignments = new Map(state.assignments);
      assignments.delete(event.data.assignmentId);
      return { ...state, assignments };
    }
    case 'UserAddedToGroup': {
      const groups = new Map(state.groups);
      groups.set(groupKey(event.data.groupName), {
        groupName: event.data.groupName,
        groupId: event.data.groupId,
      });
      return { ...state, groups };
    }
    case 'UserRemovedFromGroup': {
      const groups = new Map(state.groups);
      groups.delete(groupKey(event.data.groupName));
      return { ...state, groups };
    }
    default:
      return state;
  }
}

type ExistingUser = Extract<UserState, { exists: true }>;

/** Deactivating, suspending and locking all take an active user out of action, never the last administrator. */
function leaveActive(
  user: ExistingUser,
  type: 'UserDeactivated' | 'UserSuspended' | 'UserLocked',
  status: 'inactive' | 'suspended' | 'locked',
  command: { reason?: string; isLastAdministrator?: boolean },
): UserEvent[] {
  if (user.status === status) {
    if (status === 'inactive') refuse('USER_ALREADY_INACTIVE');
    refuse('USER_STATUS_CONFLICT', `the user is already ${status}`, [{ status: user.status }]);
  }
  if (user.status !== 'active' && status !== 'inactive')
    refuse('USER_STATUS_CONFLICT', `only an active user can become ${status}`, [{ status: user.status }]);
  if (command.isLastAdministrator && user.status === 'active') refuse('LAST_ADMINISTRATOR');
  const data =
    command.reason === undefined ? { userId: user.userId } : { userId: user.userId, reason: command.reason };
  return [{ type, data } as UserEvent];
}

/** Each way out of action has its own way back: reactivate the inactive, reinstate the suspended, unlock the locked. */
function backToActive(
  user: ExistingUser,
  type: 'UserReactivated' | 'UserReinstated' | 'UserUnlocked',
  from: 'inactive' | 'suspended' | 'locked',
): UserEvent[] {
  if (user.status === 'active') refuse('USER_ALREADY_ACTIVE');
  if (user.status !== from)
    refuse('USER_STATUS_CONFLICT', `the user is ${user.status}, not ${from}`, [{ status: user.status }]);
  return [{ type, data: { userId: user.userId } }];
}

/** The live assignment of `roleId` with this scope, if any. */
export function liveAssignment(
  user: ExistingUser,
  roleId: string,
  organizationId: string | null,
): RoleAssignment | undefined {
  for (const assignment of user.assignments.values())
    if (assignment.roleId === roleId && assignment.organizationId === organizationId) return assignment;
  return undefined;
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  decide: decideUser,
  evolve: evolveUser,
  initialState: initialUserState,
};

/** Whether the user currently uses `email`; reservations of addresses nobody uses any more are stale. */
export function userUsesEmail(state: UserState, email: string): boolean {
  return state.exists && normalizeEmail(state.email) === normalizeEmail(email);
}
