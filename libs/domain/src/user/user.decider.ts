import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { groupKey, normalizeEmail, USERS_GROUP_ID, USERS_GROUP_NAME } from '../shared/ids';
import { UserEvent } from './user.events';

export type UserStatus = 'active' | 'inactive';

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
  | { type: 'DeactivateUser'; reason?: string }
  | { type: 'ReactivateUser' }
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
    case 'DeactivateUser': {
      const user = existing(state);
      if (user.status === 'inactive') refuse('USER_ALREADY_INACTIVE');
      const data =
        command.reason === undefined
          ? { userId: user.userId }
          : { userId: user.userId, reason: command.reason };
      return [{ type: 'UserDeactivated', data }];
    }
    case 'ReactivateUser': {
      const user = existing(state);
      if (user.status === 'active') refuse('USER_ALREADY_ACTIVE');
      return [{ type: 'UserReactivated', data: { userId: user.userId } }];
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
    return { exists: true, userId, username, email, status: 'active', groups: new Map() };
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
    case 'UserReactivated':
      return { ...state, status: 'active' };
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

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  decide: decideUser,
  evolve: evolveUser,
  initialState: initialUserState,
};

/** Whether the user currently uses `email`; reservations of addresses nobody uses any more are stale. */
export function userUsesEmail(state: UserState, email: string): boolean {
  return state.exists && normalizeEmail(state.email) === normalizeEmail(email);
}
