import { deciderSpec } from '../testing/decider-spec';
import { DEFAULT_POLICY_RULES } from './policy-rules';
import { PolicyEvent, policyDecider } from './policy';

const policyId = '77777777-7777-4777-8777-777777777777';
const created: PolicyEvent = {
  type: 'PolicyCreated',
  data: {
    policyId,
    policyCode: 'TLS_SERVER',
    name: 'TLS servers',
    description: null,
    organizationId: null,
    issuerId: '88888888-8888-4888-8888-888888888888',
    policyRules: DEFAULT_POLICY_RULES,
  },
};
const activated: PolicyEvent = { type: 'PolicyActivated', data: { policyId } };
const { given } = deciderSpec(policyDecider);

describe('policy', () => {
  it('starts as a draft, is activated, deactivated and activated again', () => {
    given([])
      .when({ type: 'CreatePolicy', ...created.data })
      .then([created]);
    given([created]).when({ type: 'ActivatePolicy' }).then([activated]);
    given([created, activated])
      .when({ type: 'DeactivatePolicy' })
      .then([{ type: 'PolicyDeactivated', data: { policyId } }]);
    given([created]).when({ type: 'DeactivatePolicy' }).thenRefuses('POLICY_NOT_ACTIVE');
  });

  it('is edited only while draft or inactive', () => {
    given([created])
      .when({ type: 'UpdatePolicy', name: 'renamed' })
      .then([
        {
          type: 'PolicyUpdated',
          data: {
            policyId,
            name: 'renamed',
            description: null,
            issuerId: created.data.issuerId,
            policyRules: DEFAULT_POLICY_RULES,
          },
        },
      ]);
    given([created, activated])
      .when({ type: 'UpdatePolicy', name: 'renamed' })
      .thenRefuses('POLICY_NOT_EDITABLE');
  });

  it('is archived finally', () => {
    const archived: PolicyEvent = { type: 'PolicyArchived', data: { policyId } };
    given([created, activated]).when({ type: 'ArchivePolicy' }).then([archived]);
    given([created, archived]).when({ type: 'ActivatePolicy' }).thenRefuses('POLICY_ARCHIVED');
    given([created, archived]).when({ type: 'UpdatePolicy', name: 'x' }).thenRefuses('POLICY_ARCHIVED');
  });
});
