import { deciderSpec } from '../testing/decider-spec';
import { roleDecider } from './role.decider';
import { RoleEvent } from './role.events';

const roleId = '33333333-3333-4333-8333-333333333333';
const created: RoleEvent = {
  type: 'RoleCreated',
  data: {
    roleId,
    roleCode: 'OPERATOR',
    name: 'Operator',
    description: null,
    permissions: { certificates: ['create', 'read'] },
    system: false,
  },
};
const { given } = deciderSpec(roleDecider);

describe('role', () => {
  it('is created with its permissions in the vocabulary’s order, without duplicates', () => {
    given([])
      .when({
        type: 'CreateRole',
        roleId,
        roleCode: 'OPERATOR',
        name: 'Operator',
        description: null,
        permissions: { certificates: ['read', 'create', 'read'], audit: [] },
      })
      .then([created]);
  });

  it('is created once', () => {
    given([created])
      .when({ type: 'CreateRole', roleId, roleCode: 'X', name: 'x', description: null, permissions: {} })
      .thenRefuses('ROLE_ALREADY_EXISTS');
  });

  it('is updated with full new values, and an update that changes nothing appends nothing', () => {
    given([created])
      .when({ type: 'UpdateRole', permissions: { certificates: ['read'] } })
      .then([
        {
          type: 'RoleUpdated',
          data: { roleId, name: 'Operator', description: null, permissions: { certificates: ['read'] } },
        },
      ]);
    given([created]).when({ type: 'UpdateRole', name: 'Operator' }).thenNothingHappens();
  });

  it('is deleted softly, once; a deleted role is not found', () => {
    const deleted: RoleEvent = { type: 'RoleDeleted', data: { roleId, roleCode: 'OPERATOR' } };
    given([created]).when({ type: 'DeleteRole' }).then([deleted]);
    given([created, deleted]).when({ type: 'DeleteRole' }).thenRefuses('NOT_FOUND');
    given([created, deleted]).when({ type: 'UpdateRole', name: 'again' }).thenRefuses('NOT_FOUND');
  });

  it('protects system roles from change and deletion', () => {
    const system: RoleEvent = { ...created, data: { ...created.data, system: true } } as RoleEvent;
    given([system]).when({ type: 'UpdateRole', name: 'mine now' }).thenRefuses('ROLE_PROTECTED');
    given([system]).when({ type: 'DeleteRole' }).thenRefuses('ROLE_PROTECTED');
  });

  it('redefines a system role to this release’s definition, and nothing else', () => {
    const system: RoleEvent = { ...created, data: { ...created.data, system: true } } as RoleEvent;
    const redefine = {
      type: 'RedefineSystemRole',
      name: 'Operator',
      description: 'now more',
      permissions: { certificates: ['create', 'read'], keys: ['read'] },
    } as const;
    given([system])
      .when(redefine)
      .then([
        {
          type: 'RoleUpdated',
          data: {
            roleId,
            name: 'Operator',
            description: 'now more',
            permissions: { certificates: ['create', 'read'], keys: ['read'] },
          },
        },
      ]);
    given([created]).when(redefine).thenRefuses('ROLE_PROTECTED');
  });
});
