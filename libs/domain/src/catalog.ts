import { AdministratorsEvent } from './access/administrators';
import { RoleEvent } from './access/role.events';
import { BootstrapEvent } from './bootstrap/bootstrap';
import { OrganizationEvent } from './organization/organization.events';
import { CertificateAuthorityEvent } from './pki/certificate-authority';
import { CertificateRequestEvent } from './pki/certificate-request';
import { EncryptionKeyEvent, KeyRotationEvent } from './pki/key-rotation';
import { PolicyEvent } from './pki/policy';
import {
  CertificateFingerprintReservationEvent,
  CertificateFingerprintsReservedEvent,
  PolicyCodeReservationEvent,
  OrganizationCodeReservationEvent,
  RoleCodeReservationEvent,
  UsernameReservationEvent,
} from './reservation/reservation';
import { CertificateEvent } from './certificate/certificate.events';
import { CompromisedKeyEvent } from './certificate/compromised-key';
import { NotificationEvent } from './notification/notification';
import { EmailReservationEvent } from './email-reservation/email-reservation';
import { GroupEvent } from './group/group.events';
import { CommandOutcomeEvent } from './shared/command-outcome';
import { UserEvent } from './user/user.events';

/** Every event certm3 writes. A new event type joins this union and the catalog below, or nothing compiles. */
export type DomainEvent =
  | UserEvent
  | GroupEvent
  | CertificateEvent
  | CompromisedKeyEvent
  | NotificationEvent
  | EmailReservationEvent
  | UsernameReservationEvent
  | RoleEvent
  | RoleCodeReservationEvent
  | AdministratorsEvent
  | OrganizationEvent
  | OrganizationCodeReservationEvent
  | CertificateAuthorityEvent
  | PolicyEvent
  | PolicyCodeReservationEvent
  | CertificateRequestEvent
  | CertificateFingerprintReservationEvent
  | CertificateFingerprintsReservedEvent
  | EncryptionKeyEvent
  | KeyRotationEvent
  | BootstrapEvent
  | CommandOutcomeEvent;

export type EventType = DomainEvent['type'];

export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;

export interface EventTypeInfo {
  /** The capability the event belongs to (a folder of libs/domain). */
  readonly context:
    'identity' | 'groups' | 'certificates' | 'access' | 'organizations' | 'pki' | 'notifications' | 'system';
  /** The version of `data`'s shape that writers produce now; written into every event's metadata. */
  readonly schemaVersion: number;
  /**
   * Fields of `data` that hold a secret or a hash of one: the audit tools never show them. (Names that look
   * secret — password, token, key material — are redacted whatever the catalog says.)
   */
  readonly secretFields: readonly string[];
  /**
   * Brings `data` of an older schema version up to `schemaVersion`; pure. Readers that fold events into
   * state (the write side, the audit tools) call it through `upcastEventData`, so a decider only ever sees
   * the current shape.
   */
  readonly upcast?: (
    data: Record<string, unknown>,
    metadata: { readonly schemaVersion?: unknown; readonly occurredAt?: unknown },
  ) => Record<string, unknown>;
}

/** Every event type, with its context, current schema version and secret fields. */
export const EVENT_CATALOG: { readonly [Type in EventType]: EventTypeInfo } = {
  UserRegistered: { context: 'identity', schemaVersion: 1, secretFields: ['passwordHash'] },
  UserEmailChanged: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserProfileUpdated: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserPasswordChanged: { context: 'identity', schemaVersion: 1, secretFields: ['passwordHash'] },
  UserDeactivated: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserReactivated: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserAddedToGroup: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserRemovedFromGroup: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserSuspended: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserReinstated: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserLocked: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserUnlocked: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UserAddedToOrganization: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  UserRemovedFromOrganization: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  UsernameReserved: { context: 'identity', schemaVersion: 1, secretFields: [] },
  UsernameReleased: { context: 'identity', schemaVersion: 1, secretFields: [] },
  RoleCreated: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleUpdated: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleDeleted: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleAssigned: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleRevoked: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleCodeReserved: { context: 'access', schemaVersion: 1, secretFields: [] },
  RoleCodeReleased: { context: 'access', schemaVersion: 1, secretFields: [] },
  AdministratorAdded: { context: 'access', schemaVersion: 1, secretFields: [] },
  AdministratorRemoved: { context: 'access', schemaVersion: 1, secretFields: [] },
  OrganizationCreated: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationUpdated: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationDeactivated: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationReactivated: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationDeleted: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationCodeReserved: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  OrganizationCodeReleased: { context: 'organizations', schemaVersion: 1, secretFields: [] },
  // The CA's private key is sealed (docs/key-hierarchy.md): not in clear, yet never shown either.
  CertificateAuthorityCreated: { context: 'pki', schemaVersion: 1, secretFields: ['privateKey'] },
  CertificateAuthorityDisabled: { context: 'pki', schemaVersion: 1, secretFields: [] },
  CertificateAuthorityPrepared: { context: 'pki', schemaVersion: 1, secretFields: ['privateKey'] },
  CertificateAuthorityActivated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyCreated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyUpdated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyActivated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyDeactivated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyArchived: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyCodeReserved: { context: 'pki', schemaVersion: 1, secretFields: [] },
  PolicyCodeReleased: { context: 'pki', schemaVersion: 1, secretFields: [] },
  CertificateRequestSubmitted: { context: 'pki', schemaVersion: 1, secretFields: [] },
  CertificateRequestFulfilled: { context: 'pki', schemaVersion: 1, secretFields: [] },
  EncryptionKeyCreated: { context: 'pki', schemaVersion: 1, secretFields: [] },
  EncryptionKeyRetired: { context: 'pki', schemaVersion: 1, secretFields: [] },
  EncryptionKeyDestroyed: { context: 'pki', schemaVersion: 1, secretFields: [] },
  EncryptionKeyRotationStarted: { context: 'pki', schemaVersion: 1, secretFields: [] },
  EncryptionKeyRotationCompleted: { context: 'pki', schemaVersion: 1, secretFields: [] },
  GroupCreated: { context: 'groups', schemaVersion: 1, secretFields: [] },
  GroupUpdated: { context: 'groups', schemaVersion: 1, secretFields: [] },
  GroupDeleted: { context: 'groups', schemaVersion: 1, secretFields: [] },
  CertificateRegistered: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  // A server-side key travels sealed only; never shown either.
  CertificateIssued: { context: 'certificates', schemaVersion: 1, secretFields: ['privateKey'] },
  PrivateKeyExported: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  PrivateKeyDestroyed: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateMetadataSet: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateFingerprintReserved: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateFingerprintReleased: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateFingerprintsReserved: { context: 'system', schemaVersion: 1, secretFields: [] },
  CertificateRevoked: {
    context: 'certificates',
    schemaVersion: 2,
    secretFields: [],
    // Version 1 dated the revocation only by the event's occurredAt.
    upcast: (data, metadata) =>
      typeof data.revokedAt === 'string' ? data : { ...data, revokedAt: metadata.occurredAt ?? null },
  },
  CertificateSuspended: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateHoldReleased: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateExpiring: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateExpiryReminderDue: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  CertificateExpired: {
    context: 'certificates',
    schemaVersion: 2,
    secretFields: [],
    // Version 1 dated the expiry only by the event's occurredAt.
    upcast: (data, metadata) =>
      typeof data.expiredAt === 'string' ? data : { ...data, expiredAt: metadata.occurredAt ?? null },
  },
  CertificateRenewed: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  PublicKeyBlocked: { context: 'certificates', schemaVersion: 1, secretFields: [] },
  NotificationCreated: { context: 'notifications', schemaVersion: 1, secretFields: [] },
  NotificationRead: { context: 'notifications', schemaVersion: 1, secretFields: [] },
  NotificationDeliveryAttempted: { context: 'notifications', schemaVersion: 1, secretFields: [] },
  EmailReserved: {
    context: 'identity',
    schemaVersion: 2,
    secretFields: [],
    // Version 1 dated the reservation only by the event's occurredAt.
    upcast: (data, metadata) =>
      typeof data.reservedAt === 'string'
        ? data
        : { ...data, reservedAt: typeof metadata.occurredAt === 'string' ? metadata.occurredAt : null },
  },
  EmailReleased: { context: 'identity', schemaVersion: 1, secretFields: [] },
  AdministratorBootstrapped: { context: 'system', schemaVersion: 1, secretFields: [] },
  CommandSucceeded: { context: 'system', schemaVersion: 1, secretFields: [] },
  CommandRejected: { context: 'system', schemaVersion: 1, secretFields: [] },
};

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, type);
}

/** The schema version a writer stamps on a new event of `type` (1 for types outside the catalog). */
export function schemaVersionOf(type: string): number {
  return isEventType(type) ? EVENT_CATALOG[type].schemaVersion : 1;
}

/** `data` in its current shape, whatever schema version it was written in. */
export function upcastEventData(
  type: string,
  data: Record<string, unknown>,
  metadata: { readonly schemaVersion?: unknown; readonly occurredAt?: unknown },
): Record<string, unknown> {
  if (!isEventType(type)) return data;
  const { upcast, schemaVersion } = EVENT_CATALOG[type];
  const written = typeof metadata.schemaVersion === 'number' ? metadata.schemaVersion : 1;
  return upcast && written < schemaVersion ? upcast(data, metadata) : data;
}

/**
 * The legacy command-body digest: before 2026-12 the recorded digest was a bare SHA-256 over the whole body,
 * secrets included — fast to attack with a dictionary, so never shown.
 */
export function isLegacyBodyDigest(digest: unknown): boolean {
  return typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest);
}
