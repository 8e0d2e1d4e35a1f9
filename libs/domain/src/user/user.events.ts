/**
 * Facts about one user, in stream `user-<userId>`. Data shapes are versioned by metadata.schemaVersion;
 * a new field is optional, a changed meaning is a new event type. `status` follows the CLM platform's user
 * statuses (active, inactive, locked, suspended) so later events (UserLocked, UserSuspended) extend it.
 */
export type UserEvent =
  | {
      type: 'UserRegistered';
      data: {
        userId: string;
        username: string;
        email: string;
        /** A salted scrypt hash; the password itself is never stored, logged or replied. */
        passwordHash: string;
        /** 'bootstrap' for the first administrator, who registered themselves. */
        registration: 'bootstrap' | 'standard';
      };
    }
  | { type: 'UserEmailChanged'; data: { userId: string; email: string; previousEmail: string } }
  | { type: 'UserProfileUpdated'; data: { userId: string; username: string } }
  | { type: 'UserPasswordChanged'; data: { userId: string; passwordHash: string } }
  | { type: 'UserDeactivated'; data: { userId: string; reason?: string } }
  | { type: 'UserReactivated'; data: { userId: string } }
  | { type: 'UserAddedToGroup'; data: { userId: string; groupName: string; groupId: string } }
  | { type: 'UserRemovedFromGroup'; data: { userId: string; groupName: string; groupId: string } }
  | { type: 'UserSuspended'; data: { userId: string; reason?: string } }
  | { type: 'UserReinstated'; data: { userId: string } }
  | { type: 'UserLocked'; data: { userId: string; reason?: string } }
  | { type: 'UserUnlocked'; data: { userId: string } }
  | { type: 'UserAddedToOrganization'; data: { userId: string; organizationId: string } }
  | { type: 'UserRemovedFromOrganization'; data: { userId: string; organizationId: string } }
  | {
      type: 'RoleAssigned';
      data: {
        /** One assignment; assigning the same role again after a revocation is a new one (history stays). */
        assignmentId: string;
        userId: string;
        roleId: string;
        roleCode: string;
        /** null: granted everywhere; otherwise only on what belongs to that organization. */
        organizationId: string | null;
      };
    }
  | {
      type: 'RoleRevoked';
      data: { assignmentId: string; userId: string; roleId: string; organizationId: string | null };
    };

export type UserEventType = UserEvent['type'];
