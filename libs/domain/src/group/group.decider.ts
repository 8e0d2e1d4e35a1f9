import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { groupKey, USERS_GROUP_NAME } from '../shared/ids';
import { GroupEvent } from './group.events';

export type GroupState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'active' | 'deleted';
      readonly groupId: string;
      readonly name: string;
      readonly description: string | null;
      readonly system: boolean;
    };

export type GroupCommand =
  | { type: 'CreateGroup'; groupId: string; name: string; description: string | null; system?: boolean }
  | { type: 'UpdateGroup'; name: string; description: string | null }
  | { type: 'DeleteGroup'; name: string };

export const initialGroupState: GroupState = { status: 'absent' };

export function decideGroup(command: GroupCommand, state: GroupState): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.status === 'active') refuse('GROUP_NAME_TAKEN');
      // "users" is created once, by the system at bootstrap; nobody may take its name later.
      const system = command.system === true;
      if (!system && groupKey(command.name) === USERS_GROUP_NAME) refuse('GROUP_NAME_TAKEN');
      return [
        {
          type: 'GroupCreated',
          data: { groupId: command.groupId, name: command.name, description: command.description, system },
        },
      ];
    }
    case 'UpdateGroup': {
      const group = changeableGroup(command.name, state);
      if (group.description === command.description) return [];
      return [
        {
          type: 'GroupUpdated',
          data: { groupId: group.groupId, name: group.name, description: command.description },
        },
      ];
    }
    case 'DeleteGroup': {
      const group = changeableGroup(command.name, state);
      return [{ type: 'GroupDeleted', data: { groupId: group.groupId, name: group.name } }];
    }
  }
}

/** The group as it can be changed: it exists and is not the protected "users" group (seed 000, rule 3). */
function changeableGroup(name: string, state: GroupState): Exclude<GroupState, { status: 'absent' }> {
  if (groupKey(name) === USERS_GROUP_NAME || (state.status === 'active' && state.system))
    refuse('GROUP_PROTECTED');
  if (state.status !== 'active') refuse('NOT_FOUND', 'no such group');
  return state;
}

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  switch (event.type) {
    case 'GroupCreated':
      return { status: 'active', ...event.data };
    case 'GroupUpdated':
      return state.status === 'absent' ? state : { ...state, description: event.data.description };
    case 'GroupDeleted':
      return state.status === 'absent' ? state : { ...state, status: 'deleted' };
  }
}

export const groupDecider: Decider<GroupCommand, GroupEvent, GroupState> = {
  decide: decideGroup,
  evolve: evolveGroup,
  initialState: initialGroupState,
};
