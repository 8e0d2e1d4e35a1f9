import { deciderSpec } from '../testing/decider-spec';
import { organizationAccepts, organizationDecider, evolveOrganization } from './organization.decider';
import { OrganizationEvent } from './organization.events';

const organizationId = '44444444-4444-4444-8444-444444444444';
const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: { organizationId, orgCode: 'ACME', name: 'Acme', description: null },
};
const deactivated: OrganizationEvent = { type: 'OrganizationDeactivated', data: { organizationId } };
const { given } = deciderSpec(organizationDecider);

describe('organization', () => {
  it('is created once', () => {
    given([])
      .when({ type: 'CreateOrganization', organizationId, orgCode: 'ACME', name: 'Acme', description: null })
      .then([created]);
    given([created])
      .when({ type: 'CreateOrganization', organizationId, orgCode: 'ACME', name: 'Acme', description: null })
      .thenRefuses('ORGANIZATION_ALREADY_EXISTS');
  });

  it('is updated, deactivated and reactivated, each only when it changes something', () => {
    given([created])
      .when({ type: 'UpdateOrganization', name: 'Acme Corp' })
      .then([
        { type: 'OrganizationUpdated', data: { organizationId, name: 'Acme Corp', description: null } },
      ]);
    given([created]).when({ type: 'UpdateOrganization', name: 'Acme' }).thenNothingHappens();
    given([created]).when({ type: 'DeactivateOrganization' }).then([deactivated]);
    given([created, deactivated])
      .when({ type: 'DeactivateOrganization' })
      .thenRefuses('ORGANIZATION_INACTIVE');
    given([created]).when({ type: 'ReactivateOrganization' }).thenRefuses('ORGANIZATION_ALREADY_ACTIVE');
    given([created, deactivated])
      .when({ type: 'ReactivateOrganization' })
      .then([{ type: 'OrganizationReactivated', data: { organizationId } }]);
  });

  it('is deleted softly; a deleted organization is not found', () => {
    const deleted: OrganizationEvent = {
      type: 'OrganizationDeleted',
      data: { organizationId, orgCode: 'ACME' },
    };
    given([created]).when({ type: 'DeleteOrganization' }).then([deleted]);
    given([created, deleted]).when({ type: 'UpdateOrganization', name: 'x' }).thenRefuses('NOT_FOUND');
  });

  it('accepts members and scoped roles only while active', () => {
    const state = (events: OrganizationEvent[]) =>
      events.reduce((current, event) => evolveOrganization(current, event), organizationDecider.initialState);
    expect(() => organizationAccepts(state([created]))).not.toThrow();
    expect(() => organizationAccepts(state([created, deactivated]))).toThrow(/inactive/);
    expect(() => organizationAccepts(state([]))).toThrow(/no such organization/);
  });
});
