import { isUuid } from '@certm3/common';
import { EVENT_CATALOG, EventOfType, EventType, isEventType } from '@certm3/domain';
import { DatabaseOf, Handler, ProjectedEvent } from '@certm3/projection';
import { RESERVATION_EVENT_TYPES } from '../../event-groups';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { auditLog } from '../tables/audit-log.table';

type AuditDatabase = DatabaseOf<[typeof auditLog]>;

/**
 * Event types with no row of their own: the reservations keep names unique (their data is an owner id, their
 * stream a digest of the name), and the event they guard has its row; CommandSucceeded repeats the accepted
 * command's events. Everything else a user does has a row.
 */
export const NOT_AUDITED = ['CommandSucceeded', ...RESERVATION_EVENT_TYPES] as const;

type Accepted = Exclude<EventType, (typeof NOT_AUDITED)[number] | 'CommandRejected'>;

interface Resource {
  readonly type: string;
  readonly id: string;
}

const user = (data: { userId: string }): Resource => ({ type: 'user', id: data.userId });
const certificate = (data: { certificateId: string }): Resource => ({
  type: 'certificate',
  id: data.certificateId,
});
const authority = (data: { caId: string }): Resource => ({ type: 'certificate_authority', id: data.caId });
const policy = (data: { policyId: string }): Resource => ({ type: 'policy', id: data.policyId });
const notification = (data: { notificationId: string }): Resource => ({
  type: 'notification',
  id: data.notificationId,
});
const encryptionKey = (data: { keyId: string }): Resource => ({ type: 'encryption_key', id: data.keyId });

/** What each accepted event is about. Written out per type, so a new event type does not compile without one. */
const RESOURCE_OF: { readonly [Type in Accepted]: (data: EventOfType<Type>['data']) => Resource } = {
  UserRegistered: user,
  UserEmailChanged: user,
  UserProfileUpdated: user,
  UserPasswordChanged: user,
  UserDeactivated: user,
  UserReactivated: user,
  UserSuspended: user,
  UserReinstated: user,
  UserLocked: user,
  UserUnlocked: user,
  UserAddedToGroup: user,
  UserRemovedFromGroup: user,
  UserAddedToOrganization: user,
  UserRemovedFromOrganization: user,
  RoleAssigned: user,
  RoleRevoked: user,
  AdministratorAdded: user,
  AdministratorRemoved: user,
  AdministratorBootstrapped: user,
  RoleCreated: (data) => ({ type: 'role', id: data.roleId }),
  RoleUpdated: (data) => ({ type: 'role', id: data.roleId }),
  RoleDeleted: (data) => ({ type: 'role', id: data.roleId }),
  OrganizationCreated: (data) => ({ type: 'organization', id: data.organizationId }),
  OrganizationUpdated: (data) => ({ type: 'organization', id: data.organizationId }),
  OrganizationDeactivated: (data) => ({ type: 'organization', id: data.organizationId }),
  OrganizationReactivated: (data) => ({ type: 'organization', id: data.organizationId }),
  OrganizationDeleted: (data) => ({ type: 'organization', id: data.organizationId }),
  GroupCreated: (data) => ({ type: 'group', id: data.groupId }),
  GroupUpdated: (data) => ({ type: 'group', id: data.groupId }),
  GroupDeleted: (data) => ({ type: 'group', id: data.groupId }),
  CertificateRegistered: certificate,
  CertificateRevoked: certificate,
  CertificateExpired: certificate,
  CertificateSuspended: certificate,
  CertificateHoldReleased: certificate,
  CertificateExpiring: certificate,
  CertificateExpiryReminderDue: certificate,
  CertificateRenewed: certificate,
  PublicKeyBlocked: certificate,
  NotificationCreated: notification,
  NotificationRead: notification,
  NotificationDeliveryAttempted: notification,
  CertificateIssued: certificate,
  PrivateKeyExported: certificate,
  PrivateKeyDestroyed: certificate,
  CertificateMetadataSet: certificate,
  CertificateAuthorityCreated: authority,
  CertificateAuthorityDisabled: authority,
  CertificateAuthorityPrepared: authority,
  CertificateAuthorityActivated: authority,
  PolicyCreated: policy,
  PolicyUpdated: policy,
  PolicyActivated: policy,
  PolicyDeactivated: policy,
  PolicyArchived: policy,
  CertificateRequestSubmitted: (data) => ({ type: 'certificate_request', id: data.requestId }),
  CertificateRequestFulfilled: (data) => ({ type: 'certificate_request', id: data.requestId }),
  EncryptionKeyCreated: encryptionKey,
  EncryptionKeyRetired: encryptionKey,
  EncryptionKeyDestroyed: encryptionKey,
  EncryptionKeyRotationStarted: (data) => ({ type: 'key_rotation', id: data.rotationId }),
  EncryptionKeyRotationCompleted: (data) => ({ type: 'key_rotation', id: data.rotationId }),
};

/** Names that hold a secret or a hash of one, whatever the catalogue says (as the audit tools judge them). */
const SECRET_NAME = /password|secret|token|private.?key|key.?material|mfa|digest/i;
/**
 * Sealed or encoded material at any depth: ciphertext opens only through the vault, and a PEM or CSR is
 * large and kept in the log. The only such fields of older event types (a CA's certificatePem and
 * chainPem) were left out already, so no audit row written before changes (the table is append-only).
 */
const MATERIAL_NAME = /ciphertext|pem$/i;
/** Large and public, kept in the log: the audit row names the certificate, the log holds its PEM. */
const LEFT_OUT: Partial<Record<EventType, readonly string[]>> = {
  CertificateRegistered: ['certificateData'],
  CertificateIssued: ['certificateData'],
};

/** `value` without any field the catalogue calls secret for `type`, nor any secret-looking name, at any depth. */
export function withoutSecrets(type: string, value: unknown): unknown {
  const dropped = new Set([
    ...(isEventType(type) ? EVENT_CATALOG[type].secretFields : []),
    ...((isEventType(type) && LEFT_OUT[type]) || []),
  ]);
  const clean = (inner: unknown, top: boolean): unknown => {
    if (Array.isArray(inner)) return inner.map((element) => clean(element, false));
    if (!inner || typeof inner !== 'object') return inner;
    return Object.fromEntries(
      Object.entries(inner as Record<string, unknown>)
        .filter(([key]) => !SECRET_NAME.test(key) && !MATERIAL_NAME.test(key) && !(top && dropped.has(key)))
        .map(([key, element]) => [key, clean(element, false)]),
    );
  };
  return clean(value, true);
}

const uuidOrNull = (value: unknown) => (isUuid(value) ? value : null);

function auditRow(
  event: ProjectedEvent<unknown>,
  row: {
    action: unknown;
    resource: Resource | undefined;
    outcome: 'accepted' | 'refused';
    errorCode: string | null;
    details: unknown;
  },
) {
  const { occurredAt, actorId } = stampOf(event);
  const { metadata } = event;
  return {
    id: event.id,
    event_type: event.type,
    user_id: uuidOrNull(actorId),
    action: typeof row.action === 'string' && row.action ? row.action : event.type,
    resource_type: row.resource?.type ?? null,
    resource_id: row.resource?.id ?? null,
    outcome: row.outcome,
    error_code: row.errorCode,
    correlation_id: uuidOrNull(metadata.correlationId),
    command_id: uuidOrNull(metadata.commandId),
    causation_id: uuidOrNull(metadata.causationId),
    stream_id: event.streamId,
    stream_revision: event.revision,
    event_timestamp: occurredAt,
    details: row.details as Record<string, unknown>,
    created_at: occurredAt,
    updated_at: occurredAt,
  };
}

const accepted: Handler<AuditDatabase> = (event, rows) => [
  rows.insert(
    'audit_log',
    auditRow(event, {
      action: event.metadata.commandName,
      resource: (RESOURCE_OF as Record<string, (data: unknown) => Resource>)[event.type](event.data),
      outcome: 'accepted',
      errorCode: null,
      // The data as the log holds it, not as this release upcasts it: the row an older release wrote for
      // the event must stay as it is (append-only), and a later upcast must not change it in a rebuild.
      details: withoutSecrets(event.type, event.recordedData ?? event.data),
    }),
  ),
];

const refused: Handler<AuditDatabase, EventOfType<'CommandRejected'>['data']> = (event, rows) => {
  const { commandName, reply, target } = event.data;
  const error = reply?.error;
  return [
    rows.insert(
      'audit_log',
      auditRow(event, {
        action: commandName ?? event.metadata.commandName,
        resource: target && { type: target.type, id: target.id },
        outcome: 'refused',
        errorCode: typeof error?.code === 'string' ? error.code : null,
        // Never the body digest: before 2026-12 it was a bare hash of the body, password included.
        details: withoutSecrets(event.type, {
          commandName,
          error: error && { code: error.code, message: error.message, details: error.details },
          ...(target ? { target } : {}),
        }),
      }),
    ),
  ];
};

const handlers = {
  ...(Object.fromEntries(Object.keys(RESOURCE_OF).map((type) => [type, accepted])) as {
    readonly [Type in Accepted]: Handler<AuditDatabase, EventOfType<Type>['data']>;
  }),
  CommandRejected: refused,
};

/** audit_log: one row per accepted domain event (but NOT_AUDITED) and one per refused command. */
export const auditLogProjection = defineProjection({ name: 'audit_log', tables: [auditLog], handlers });
