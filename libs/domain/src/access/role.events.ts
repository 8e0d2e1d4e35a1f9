import { RolePermissions } from './permissions';

/**
 * Facts about one role, in stream `role-<roleId>`. Permissions are stored canonical (vocabulary order), so
 * the same grant is the same JSON. A deleted role is kept (soft delete): its assignments stop granting.
 */
export type RoleEvent =
  | {
      type: 'RoleCreated';
      data: {
        roleId: string;
        roleCode: string;
        name: string;
        description: string | null;
        permissions: RolePermissions;
        /** System roles (ADMIN, APPROVER, REQUESTER, AUDITOR) are protected: never updated or deleted. */
        system: boolean;
      };
    }
  | {
      type: 'RoleUpdated';
      data: { roleId: string; name: string; description: string | null; permissions: RolePermissions };
    }
  | { type: 'RoleDeleted'; data: { roleId: string; roleCode: string } };
