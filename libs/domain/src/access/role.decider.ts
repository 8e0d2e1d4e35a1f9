import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { canonicalPermissions, RolePermissions } from './permissions';
import { RoleEvent } from './role.events';

export type RoleState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly roleId: string;
      readonly roleCode: string;
      readonly name: string;
      readonly description: string | null;
      readonly permissions: RolePermissions;
      readonly system: boolean;
      readonly deleted: boolean;
    };

export type RoleCommand =
  | {
      type: 'CreateRole';
      roleId: string;
      roleCode: string;
      name: string;
      description: string | null;
      permissions: RolePermissions;
      system?: boolean;
    }
  | { type: 'UpdateRole'; name?: string; description?: string | null; permissions?: RolePermissions }
  | { type: 'DeleteRole' }
  /**
   * A system role brought to what this release defines (a new resource in the vocabulary: ADMIN holds it
   * too). Only certm3 itself sends it, at start; nobody can change a system role otherwise.
   */
  | { type: 'RedefineSystemRole'; name: string; description: string; permissions: RolePermissions };

function live(state: RoleState): Extract<RoleState, { exists: true }> {
  if (!state.exists || state.deleted) refuse('NOT_FOUND', 'no such role');
  return state;
}

export function decideRole(command: RoleCommand, state: RoleState): RoleEvent[] {
  switch (command.type) {
    case 'CreateRole': {
      if (state.exists) refuse('ROLE_ALREADY_EXISTS');
      const { roleId, roleCode, name, description, permissions } = command;
      return [
        {
          type: 'RoleCreated',
          data: {
            roleId,
            roleCode,
            name,
            description,
            permissions: canonicalPermissions(permissions),
            system: command.system ?? false,
          },
        },
      ];
    }
    case 'UpdateRole': {
      const role = live(state);
      if (role.system) refuse('ROLE_PROTECTED');
      const next = {
        roleId: role.roleId,
        name: command.name ?? role.name,
        description: command.description === undefined ? role.description : command.description,
        permissions: canonicalPermissions(command.permissions ?? role.permissions),
      };
      const unchanged =
        next.name === role.name &&
        next.description === role.description &&
        JSON.stringify(next.permissions) === JSON.stringify(role.permissions);
      return unchanged ? [] : [{ type: 'RoleUpdated', data: next }];
    }
    case 'DeleteRole': {
      const role = live(state);
      if (role.system) refuse('ROLE_PROTECTED');
      return [{ type: 'RoleDeleted', data: { roleId: role.roleId, roleCode: role.roleCode } }];
    }
    case 'RedefineSystemRole': {
      const role = live(state);
      if (!role.system) refuse('ROLE_PROTECTED', 'only a system role is redefined by certm3');
      const next = {
        roleId: role.roleId,
        name: command.name,
        description: command.description,
        permissions: canonicalPermissions(command.permissions),
      };
      const unchanged =
        next.name === role.name &&
        next.description === role.description &&
        JSON.stringify(next.permissions) === JSON.stringify(role.permissions);
      return unchanged ? [] : [{ type: 'RoleUpdated', data: next }];
    }
  }
}

export function evolveRole(state: RoleState, event: RoleEvent): RoleState {
  switch (event.type) {
    // Canonical again on the way in: jsonb gives keys back in its own order, and decisions compare them.
    case 'RoleCreated':
      return {
        exists: true,
        ...event.data,
        permissions: canonicalPermissions(event.data.permissions),
        deleted: false,
      };
    case 'RoleUpdated':
      return state.exists
        ? { ...state, ...event.data, permissions: canonicalPermissions(event.data.permissions) }
        : state;
    case 'RoleDeleted':
      return state.exists ? { ...state, deleted: true } : state;
  }
}

export const roleDecider: Decider<RoleCommand, RoleEvent, RoleState> = {
  decide: decideRole,
  evolve: evolveRole,
  initialState: { exists: false },
};
