/** The group every user belongs to from registration on (seed 000, Constraints 3 and 4). */
export const USERS_GROUP_NAME = 'users';
/** Fixed forever: the `users` group is one entity across every deployment and rebuild. */
export const USERS_GROUP_ID = '5f2c8d2e-3b1a-5c7e-9a40-6d1e2f3a4b5c';

/** Group names are unique case-insensitively; this is the key a name is compared and stored by. */
export function groupKey(name: string): string {
  return name.trim().toLowerCase();
}

/** Email addresses are unique case-insensitively. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const streamIds = {
  user: (userId: string) => `user-${userId}`,
  group: (name: string) => `group-${groupKey(name)}`,
  certificate: (certificateId: string) => `certificate-${certificateId}`,
  /** Keyed by a digest of the normalized address, so stream names carry no personal data. */
  emailReservation: (emailDigest: string) => `email-${emailDigest}`,
  /** Marks that the first administrator exists; created once, with "no stream" expected. */
  bootstrap: () => 'system-bootstrap',
  /** The recorded outcome of one command id, for idempotent replays. */
  command: (commandId: string) => `command-${commandId.toLowerCase()}`,
};
