/**
 * The one vocabulary of permissions: a resource and the actions on it. `roles.permissions` has exactly
 * seed 001's shape, an object from a resource to an array of actions; the seed's own resources and actions
 * (certificates: create, read, update, delete, revoke; policies; workflows: read, execute; audit: read)
 * are all here, with the identity and access resources the platform's commands need.
 */
export const PERMISSION_VOCABULARY = {
  certificates: ['create', 'read', 'update', 'delete', 'revoke'],
  policies: ['create', 'read', 'update', 'delete'],
  workflows: ['create', 'read', 'update', 'delete', 'execute'],
  audit: ['read'],
  users: ['create', 'read', 'update', 'deactivate', 'suspend', 'lock', 'delete'],
  groups: ['create', 'read', 'update', 'delete', 'manage_members'],
  roles: ['create', 'read', 'update', 'delete', 'assign'],
  organizations: ['create', 'read', 'update', 'delete', 'manage_members'],
  keys: ['create', 'read', 'rotate', 'destroy', 'export'],
  authorities: ['create', 'read', 'disable'],
  notifications: ['read', 'update'],
} as const;

export type PermissionResource = keyof typeof PERMISSION_VOCABULARY;
export type PermissionAction<R extends PermissionResource = PermissionResource> =
  (typeof PERMISSION_VOCABULARY)[R][number];

/** `resource:action`, as a command declares it. */
export type PermissionName = {
  [R in PermissionResource]: `${R}:${(typeof PERMISSION_VOCABULARY)[R][number]}`;
}[PermissionResource];

/** A role's permissions, as stored in `roles.permissions`. */
export type RolePermissions = { readonly [R in PermissionResource]?: readonly PermissionAction<R>[] };

export const PERMISSION_NAMES: readonly PermissionName[] = Object.entries(PERMISSION_VOCABULARY).flatMap(
  ([resource, actions]) => actions.map((action) => `${resource}:${action}` as PermissionName),
);

export function isPermissionName(value: string): value is PermissionName {
  return (PERMISSION_NAMES as readonly string[]).includes(value);
}

/** Whether a role's permissions include `permission`. */
export function permits(permissions: RolePermissions, permission: PermissionName): boolean {
  const [resource, action] = permission.split(':') as [PermissionResource, string];
  return ((permissions[resource] ?? []) as readonly string[]).includes(action);
}

/**
 * The permissions in the vocabulary's order, without duplicates or empty lists: what is stored, so that the
 * same grant is always the same JSON (rebuilds compare rows).
 */
export function canonicalPermissions(permissions: RolePermissions): RolePermissions {
  const result: Record<string, string[]> = {};
  for (const [resource, actions] of Object.entries(PERMISSION_VOCABULARY)) {
    const granted = new Set<string>((permissions as Record<string, readonly string[]>)[resource] ?? []);
    const ordered = (actions as readonly string[]).filter((action) => granted.has(action));
    if (ordered.length > 0) result[resource] = ordered;
  }
  return result as RolePermissions;
}

/** Everything: the ADMIN role's permissions. */
export function allPermissions(): RolePermissions {
  return Object.fromEntries(
    Object.entries(PERMISSION_VOCABULARY).map(([resource, actions]) => [resource, [...actions]]),
  ) as RolePermissions;
}
