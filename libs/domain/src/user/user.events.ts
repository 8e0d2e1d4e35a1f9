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
  | { type: 'UserRemovedFromGroup'; data: { userId: string; groupName: string; groupId: string } };

export type UserEventType = UserEvent['type'];
