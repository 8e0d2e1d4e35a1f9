import { RoleAssignment } from '../user/user.decider';
import { PermissionName, permits, RolePermissions } from './permissions';

/** What authorization needs of a role: its permissions, and whether it still grants anything. */
export interface RoleGrants {
  readonly roleId: string;
  readonly permissions: RolePermissions;
  readonly deleted: boolean;
}

export type Authorization =
  { readonly granted: true; readonly via: RoleAssignment } | { readonly granted: false };

/**
 * Whether live assignments of live roles give `permission`: one without an organization grants it
 * everywhere; one scoped to an organization grants it on what belongs to that organization
 * (`targetOrganizations`; left out when the caller wants to know about global grants only). Pure: the
 * caller reads the actor's assignments and the roles, and holds what it read at commit.
 */
export function authorize(input: {
  readonly permission: PermissionName;
  readonly assignments: Iterable<RoleAssignment>;
  readonly roleOf: (roleId: string) => RoleGrants | undefined;
  readonly targetOrganizations?: ReadonlySet<string>;
}): Authorization {
  let scoped: RoleAssignment | undefined;
  for (const assignment of input.assignments) {
    const role = input.roleOf(assignment.roleId);
    if (!role || role.deleted || !permits(role.permissions, input.permission)) continue;
    if (assignment.organizationId === null) return { granted: true, via: assignment };
    if (!scoped && input.targetOrganizations?.has(assignment.organizationId)) scoped = assignment;
  }
  return scoped ? { granted: true, via: scoped } : { granted: false };
}

/** The roles an actor's assignments name: what must be read (or remembered) before authorizing. */
export function rolesOf(assignments: Iterable<RoleAssignment>): string[] {
  return [...new Set([...assignments].map((assignment) => assignment.roleId))];
}

/** Organizations a scoped assignment names that grant `permission` (to know whether the target matters). */
export function scopedGrantsOf(input: {
  readonly permission: PermissionName;
  readonly assignments: Iterable<RoleAssignment>;
  readonly roleOf: (roleId: string) => RoleGrants | undefined;
}): Set<string> {
  const organizations = new Set<string>();
  for (const assignment of input.assignments) {
    const role = input.roleOf(assignment.roleId);
    if (assignment.organizationId && role && !role.deleted && permits(role.permissions, input.permission))
      organizations.add(assignment.organizationId);
  }
  return organizations;
}
