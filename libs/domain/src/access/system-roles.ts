import { allPermissions, RolePermissions } from './permissions';

/**
 * The roles every deployment has, created with the first administrator (or, on a log written before roles
 * existed, by the command API's upgrade at start) and protected. Their ids are fixed forever, like the
 * "users" group's: one entity across every deployment and rebuild.
 */
export const SYSTEM_ROLES: readonly {
  readonly roleId: string;
  readonly roleCode: 'ADMIN' | 'APPROVER' | 'REQUESTER' | 'AUDITOR';
  readonly name: string;
  readonly description: string;
  readonly permissions: RolePermissions;
}[] = [
  {
    roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e01',
    roleCode: 'ADMIN',
    name: 'Administrator',
    description: 'Everything.',
    permissions: allPermissions(),
  },
  {
    roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e02',
    roleCode: 'APPROVER',
    name: 'Approver',
    description: 'Decides approval steps.',
    permissions: { workflows: ['read', 'execute'], certificates: ['read'] },
  },
  {
    roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e03',
    roleCode: 'REQUESTER',
    name: 'Requester',
    description: 'Requests certificates.',
    permissions: { certificates: ['create', 'read'], policies: ['read'] },
  },
  {
    roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e04',
    roleCode: 'AUDITOR',
    name: 'Auditor',
    description: 'Reads the audit trail.',
    permissions: { audit: ['read'], certificates: ['read'] },
  },
];

export const ADMIN_ROLE = SYSTEM_ROLES[0];

export function systemRoleByCode(code: string) {
  return SYSTEM_ROLES.find((role) => role.roleCode === code);
}

/**
 * Who acts when certm3 itself does something (the upgrade that installs the system roles; later, expiry
 * and workflow continuation): a fixed id no user has, so the audit trail names it.
 */
export const SYSTEM_ACTOR_ID = '00000000-0000-5000-8000-00000000c3a1';
