import { authorize, RoleGrants, scopedGrantsOf } from './authorize';

const roles: Record<string, RoleGrants> = {
  revoker: { roleId: 'revoker', permissions: { certificates: ['revoke'] }, deleted: false },
  gone: { roleId: 'gone', permissions: { certificates: ['revoke'] }, deleted: true },
  reader: { roleId: 'reader', permissions: { certificates: ['read'] }, deleted: false },
};
const roleOf = (roleId: string) => roles[roleId];
const assignment = (roleId: string, organizationId: string | null) => ({
  assignmentId: `${roleId}-${organizationId}`,
  roleId,
  roleCode: roleId.toUpperCase(),
  organizationId,
});

describe('authorize', () => {
  it('grants everywhere from a global assignment of a live role that permits it', () => {
    const result = authorize({
      permission: 'certificates:revoke',
      assignments: [assignment('reader', null), assignment('revoker', null)],
      roleOf,
    });
    expect(result).toEqual({ granted: true, via: assignment('revoker', null) });
  });

  it('denies by default: no assignment, another permission, a deleted role, an unknown role', () => {
    const denied = { granted: false };
    expect(authorize({ permission: 'certificates:revoke', assignments: [], roleOf })).toEqual(denied);
    for (const roleId of ['reader', 'gone', 'unknown'])
      expect(
        authorize({ permission: 'certificates:revoke', assignments: [assignment(roleId, null)], roleOf }),
      ).toEqual(denied);
  });

  it('grants from a scoped assignment only on what belongs to that organization', () => {
    const assignments = [assignment('revoker', 'org-a')];
    expect(scopedGrantsOf({ permission: 'certificates:revoke', assignments, roleOf })).toEqual(
      new Set(['org-a']),
    );
    expect(
      authorize({
        permission: 'certificates:revoke',
        assignments,
        roleOf,
        targetOrganizations: new Set(['org-a']),
      }),
    ).toMatchObject({ granted: true });
    expect(
      authorize({
        permission: 'certificates:revoke',
        assignments,
        roleOf,
        targetOrganizations: new Set(['org-b']),
      }),
    ).toEqual({ granted: false });
    // Without a target's organizations only a global grant counts.
    expect(authorize({ permission: 'certificates:revoke', assignments, roleOf })).toEqual({ granted: false });
  });
});
