import { createHash } from 'node:crypto';
import { emailKey, identifierKey } from './identifiers';

/** The group every user belongs to from registration on (seed 000, Constraints 3 and 4). */
export const USERS_GROUP_NAME = 'users';
/** Fixed forever: the `users` group is one entity across every deployment and rebuild. */
export const USERS_GROUP_ID = '5f2c8d2e-3b1a-5c7e-9a40-6d1e2f3a4b5c';

/**
 * Group names are unique case-insensitively; this is the key a name is compared and its stream named by —
 * the trimmed lower case, as it always was (a different key would lose the streams of existing groups). New
 * names must be NFKC-normal and free of invisible characters (see identifiers.ts), so look-alikes cannot
 * be created beside them.
 */
export function groupKey(name: string): string {
  return name.trim().toLowerCase();
}

/** Email addresses are unique after normalisation, case folding and IDNA of the domain (see identifiers.ts). */
export function normalizeEmail(email: string): string {
  return emailKey(email);
}

/** Stream names carry no personal data: a reserved key appears only as its SHA-256. */
function digestOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export const streamIds = {
  user: (userId: string) => `user-${userId}`,
  group: (name: string) => `group-${groupKey(name)}`,
  certificate: (certificateId: string) => `certificate-${certificateId}`,
  /** Keyed by a digest of the normalized address, so stream names carry no personal data. */
  emailReservation: (emailDigest: string) => `email-${emailDigest}`,
  role: (roleId: string) => `role-${roleId}`,
  certificateAuthority: (caId: string) => `certificate-authority-${caId}`,
  organization: (organizationId: string) => `organization-${organizationId}`,
  usernameReservation: (username: string) => `username-${digestOf(identifierKey(username))}`,
  roleCodeReservation: (roleCode: string) => `role-code-${digestOf(identifierKey(roleCode))}`,
  organizationCodeReservation: (orgCode: string) => `org-code-${digestOf(identifierKey(orgCode))}`,
  policy: (policyId: string) => `policy-${policyId}`,
  policyCodeReservation: (policyCode: string) => `policy-code-${digestOf(identifierKey(policyCode))}`,
  certificateRequest: (requestId: string) => `certificate-request-${requestId}`,
  /** Keyed by the SHA-256 of the certificate's DER (hex, lower case). */
  certificateFingerprint: (fingerprintSha256: string) =>
    `certificate-fingerprint-${fingerprintSha256.replace(/:/g, '').toLowerCase()}`,
  /** A public key revoked for keyCompromise, by the SHA-256 of its SubjectPublicKeyInfo (hex). */
  compromisedKey: (publicKeyFingerprint: string) => `compromised-key-${publicKeyFingerprint.toLowerCase()}`,
  notification: (notificationId: string) => `notification-${notificationId}`,
  keyRotation: (rotationId: string) => `key-rotation-${rotationId}`,
  encryptionKey: (keyId: string) => `encryption-key-${keyId}`,
  /** Marks that the fingerprints of certificates registered before they were reserved are reserved. */
  certificateFingerprintsUpgrade: () => 'system-certificate-fingerprints',
  /** Every global holder of ADMIN (see access/administrators.ts). */
  administrators: () => 'system-administrators',
  /** Marks that the first administrator exists; created once, with "no stream" expected. */
  bootstrap: () => 'system-bootstrap',
  /** The recorded outcome of one command id, for idempotent replays. */
  command: (commandId: string) => `command-${commandId.toLowerCase()}`,
};
