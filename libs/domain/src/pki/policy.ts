import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';
import { sameJson } from '../shared/same-json';
import { PolicyRules } from './policy-rules';

/**
 * A certificate policy, in stream `policy-<policyId>`: seed 001's `policies` with its status enum
 * `draft|active|inactive|archived`. Edited only while draft or inactive (a request is always judged by the
 * rules of an active policy that cannot change under it); archived is final.
 */
export type PolicyStatus = 'draft' | 'active' | 'inactive' | 'archived';

export type PolicyEvent =
  | {
      type: 'PolicyCreated';
      data: {
        policyId: string;
        policyCode: string;
        name: string;
        description: string | null;
        organizationId: string | null;
        issuerId: string;
        policyRules: PolicyRules;
      };
    }
  | {
      type: 'PolicyUpdated';
      data: {
        policyId: string;
        name: string;
        description: string | null;
        issuerId: string;
        policyRules: PolicyRules;
      };
    }
  | { type: 'PolicyActivated'; data: { policyId: string } }
  | { type: 'PolicyDeactivated'; data: { policyId: string } }
  | { type: 'PolicyArchived'; data: { policyId: string } };

export type PolicyState =
  | { readonly exists: false }
  | ({ readonly exists: true; readonly status: PolicyStatus } & Extract<
      PolicyEvent,
      { type: 'PolicyCreated' }
    >['data']);

export type PolicyCommand =
  | ({ type: 'CreatePolicy' } & Extract<PolicyEvent, { type: 'PolicyCreated' }>['data'])
  | {
      type: 'UpdatePolicy';
      name?: string;
      description?: string | null;
      issuerId?: string;
      policyRules?: PolicyRules;
    }
  | { type: 'ActivatePolicy' }
  | { type: 'DeactivatePolicy' }
  | { type: 'ArchivePolicy' };

function existing(state: PolicyState): Extract<PolicyState, { exists: true }> {
  if (!state.exists) refuse('NOT_FOUND', 'no such policy');
  return state;
}

export function decidePolicy(command: PolicyCommand, state: PolicyState): PolicyEvent[] {
  if (command.type === 'CreatePolicy') {
    if (state.exists) refuse('POLICY_ALREADY_EXISTS');
    const { type: _type, ...data } = command;
    return [{ type: 'PolicyCreated', data }];
  }
  const policy = existing(state);
  const { policyId } = policy;
  if (policy.status === 'archived') refuse('POLICY_ARCHIVED');
  switch (command.type) {
    case 'UpdatePolicy': {
      if (policy.status !== 'draft' && policy.status !== 'inactive')
        refuse('POLICY_NOT_EDITABLE', 'an active policy is deactivated before it is edited', [
          { status: policy.status },
        ]);
      const next = {
        policyId,
        name: command.name ?? policy.name,
        description: command.description === undefined ? policy.description : command.description,
        issuerId: command.issuerId ?? policy.issuerId,
        policyRules: command.policyRules ?? policy.policyRules,
      };
      const unchanged =
        next.name === policy.name &&
        next.description === policy.description &&
        next.issuerId === policy.issuerId &&
        sameJson(next.policyRules, policy.policyRules);
      return unchanged ? [] : [{ type: 'PolicyUpdated', data: next }];
    }
    case 'ActivatePolicy':
      return policy.status === 'active' ? [] : [{ type: 'PolicyActivated', data: { policyId } }];
    case 'DeactivatePolicy':
      if (policy.status === 'draft') refuse('POLICY_NOT_ACTIVE', 'a draft policy was never active');
      return policy.status === 'inactive' ? [] : [{ type: 'PolicyDeactivated', data: { policyId } }];
    case 'ArchivePolicy':
      return [{ type: 'PolicyArchived', data: { policyId } }];
  }
}

export function evolvePolicy(state: PolicyState, event: PolicyEvent): PolicyState {
  if (event.type === 'PolicyCreated') return { exists: true, status: 'draft', ...event.data };
  if (!state.exists) return state;
  switch (event.type) {
    case 'PolicyUpdated':
      return { ...state, ...event.data };
    case 'PolicyActivated':
      return { ...state, status: 'active' };
    case 'PolicyDeactivated':
      return { ...state, status: 'inactive' };
    case 'PolicyArchived':
      return { ...state, status: 'archived' };
  }
}

export const policyDecider: Decider<PolicyCommand, PolicyEvent, PolicyState> = {
  decide: decidePolicy,
  evolve: evolvePolicy,
  initialState: { exists: false },
};

/** A request may be decided under the policy only while it is active. */
export function assertPolicyAcceptsRequests(state: PolicyState): Extract<PolicyState, { exists: true }> {
  const policy = existing(state);
  if (policy.status !== 'active') refuse('POLICY_NOT_ACTIVE', undefined, [{ status: policy.status }]);
  return policy;
}
