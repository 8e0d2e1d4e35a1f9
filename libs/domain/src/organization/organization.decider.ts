import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { OrganizationEvent } from './organization.events';

export type OrganizationStatus = 'active' | 'inactive';

export type OrganizationState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly organizationId: string;
      readonly orgCode: string;
      readonly name: string;
      readonly description: string | null;
      readonly status: OrganizationStatus;
      readonly deleted: boolean;
    };

export type OrganizationCommand =
  | {
      type: 'CreateOrganization';
      organizationId: string;
      orgCode: string;
      name: string;
      description: string | null;
    }
  | { type: 'UpdateOrganization'; name?: string; description?: string | null }
  | { type: 'DeactivateOrganization'; reason?: string }
  | { type: 'ReactivateOrganization' }
  | { type: 'DeleteOrganization' };

function live(state: OrganizationState): Extract<OrganizationState, { exists: true }> {
  if (!state.exists || state.deleted) refuse('NOT_FOUND', 'no such organization');
  return state;
}

export function decideOrganization(
  command: OrganizationCommand,
  state: OrganizationState,
): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization': {
      if (state.exists) refuse('ORGANIZATION_ALREADY_EXISTS');
      const { organizationId, orgCode, name, description } = command;
      return [{ type: 'OrganizationCreated', data: { organizationId, orgCode, name, description } }];
    }
    case 'UpdateOrganization': {
      const organization = live(state);
      const name = command.name ?? organization.name;
      const description = command.description === undefined ? organization.description : command.description;
      if (name === organization.name && description === organization.description) return [];
      return [
        {
          type: 'OrganizationUpdated',
          data: { organizationId: organization.organizationId, name, description },
        },
      ];
    }
    case 'DeactivateOrganization': {
      const organization = live(state);
      if (organization.status === 'inactive')
        refuse('ORGANIZATION_INACTIVE', 'the organization is already inactive');
      const data =
        command.reason === undefined
          ? { organizationId: organization.organizationId }
          : { organizationId: organization.organizationId, reason: command.reason };
      return [{ type: 'OrganizationDeactivated', data }];
    }
    case 'ReactivateOrganization': {
      const organization = live(state);
      if (organization.status === 'active') refuse('ORGANIZATION_ALREADY_ACTIVE');
      return [{ type: 'OrganizationReactivated', data: { organizationId: organization.organizationId } }];
    }
    case 'DeleteOrganization': {
      const organization = live(state);
      return [
        {
          type: 'OrganizationDeleted',
          data: { organizationId: organization.organizationId, orgCode: organization.orgCode },
        },
      ];
    }
  }
}

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  if (event.type === 'OrganizationCreated')
    return { exists: true, ...event.data, status: 'active', deleted: false };
  if (!state.exists) return state;
  switch (event.type) {
    case 'OrganizationUpdated':
      return { ...state, name: event.data.name, description: event.data.description };
    case 'OrganizationDeactivated':
      return { ...state, status: 'inactive' };
    case 'OrganizationReactivated':
      return { ...state, status: 'active' };
    case 'OrganizationDeleted':
      return { ...state, deleted: true };
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  decide: decideOrganization,
  evolve: evolveOrganization,
  initialState: { exists: false },
};

/** Whether members may be added and scoped roles granted in it. */
export function organizationAccepts(state: OrganizationState): void {
  if (!state.exists || state.deleted) refuse('NOT_FOUND', 'no such organization');
  if (state.status !== 'active') refuse('ORGANIZATION_INACTIVE');
}
