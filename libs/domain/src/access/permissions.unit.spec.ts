import {
  allPermissions,
  canonicalPermissions,
  isPermissionName,
  PERMISSION_NAMES,
  permits,
} from './permissions';
import { SYSTEM_ROLES } from './system-roles';

describe('the permission vocabulary', () => {
  it("includes seed 001's own resources and actions", () => {
    for (const name of [
      'certificates:create',
      'certificates:read',
      'certificates:update',
      'certificates:delete',
      'certificates:revoke',
      'policies:read',
      'policies:update',
      'workflows:read',
      'workflows:execute',
      'audit:read',
    ])
      expect(isPermissionName(name)).toBe(true);
    expect(isPermissionName('certificates:steal')).toBe(false);
    expect(isPermissionName('tests:run')).toBe(false);
  });

  it('gives ADMIN everything and the other system roles what the issue lists', () => {
    const byCode = Object.fromEntries(SYSTEM_ROLES.map((role) => [role.roleCode, role.permissions]));
    for (const name of PERMISSION_NAMES) expect(permits(byCode.ADMIN, name)).toBe(true);
    expect(byCode.APPROVER).toEqual({ workflows: ['read', 'execute'], certificates: ['read'] });
    expect(byCode.REQUESTER).toEqual({ certificates: ['create', 'read'], policies: ['read'] });
    expect(byCode.AUDITOR).toEqual({ audit: ['read'], certificates: ['read'] });
    expect(allPermissions()).toEqual(byCode.ADMIN);
  });

  it('stores the same grant as the same JSON', () => {
    expect(
      JSON.stringify(canonicalPermissions({ audit: ['read'], certificates: ['revoke', 'create'] })),
    ).toBe(JSON.stringify({ certificates: ['create', 'revoke'], audit: ['read'] }));
  });
});
