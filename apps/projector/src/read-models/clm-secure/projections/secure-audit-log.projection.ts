import { EventOfType } from '@certm3/domain';
import { DatabaseOf, Handler } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { actorUuidOf, stampOf } from '../../event-stamp';
import { plainHex } from '../certificate-description';
import { secureAuditLog } from '../tables/secure-audit-log.table';

type SecureAuditDatabase = DatabaseOf<[typeof secureAuditLog]>;

interface Entry {
  /** What was done with key material or to the certificate. */
  readonly action: string;
  readonly resource: { readonly type: string; readonly id: string };
  /** Ids, serials, algorithms and reasons only. */
  readonly details: Record<string, unknown>;
}

const certificate = (id: string) => ({ type: 'certificate', id });
const authority = (id: string) => ({ type: 'certificate_authority', id });
const encryptionKey = (id: string) => ({ type: 'encryption_key', id });
const rotation = (id: string) => ({ type: 'key_rotation', id });
const invalidity = (data: { invalidityDate?: string }) =>
  data.invalidityDate === undefined ? {} : { invalidityDate: data.invalidityDate };

/**
 * The events that use or change key material, or move a certificate through its life, each written out
 * with what its row says. Details are chosen field by field, never copied: no key, PEM, CSR or ciphertext
 * can reach them.
 */
const ENTRY_OF = {
  CertificateIssued: (data) => ({
    // The authority's key signed it.
    action: 'sign',
    resource: certificate(data.certificateId),
    details: {
      caId: data.caId,
      serialNumber: plainHex(data.serialNumber),
      requestId: data.requestId,
      keySource: data.keySource,
      ...(data.privateKey ? { dataKeyId: data.privateKey.dataKeyId } : {}),
      ...(data.renewalOf ? { renewalOf: data.renewalOf } : {}),
    },
  }),
  CertificateAuthorityCreated: (data) => ({
    // Its key was made here and signed its certificate (a root) or its parent's key did.
    action: 'generate_key_and_sign',
    resource: authority(data.caId),
    details: {
      signedBy: data.parentId ?? data.caId,
      serialNumber: plainHex(data.serialNumber),
      keyAlgorithm: data.keyAlgorithm,
      dataKeyId: data.privateKey.dataKeyId,
    },
  }),
  CertificateAuthorityPrepared: (data) => ({
    action: 'generate_key',
    resource: authority(data.caId),
    details: {
      keyAlgorithm: data.keyAlgorithm,
      publicKeyFingerprint: data.publicKeyFingerprint,
      dataKeyId: data.privateKey.dataKeyId,
    },
  }),
  CertificateAuthorityActivated: (data) => ({
    // An offline parent's signature over its key came back: the key may sign from now on.
    action: 'activate',
    resource: authority(data.caId),
    details: { serialNumber: plainHex(data.serialNumber), fingerprintSha256: plainHex(data.fingerprint) },
  }),
  PrivateKeyExported: (data) => ({
    action: 'export',
    resource: certificate(data.certificateId),
    details: { format: data.format, exportedBy: data.exportedBy },
  }),
  PrivateKeyDestroyed: (data) => ({
    action: 'destroy',
    resource: certificate(data.certificateId),
    details: { dataKeyId: data.dataKeyId },
  }),
  EncryptionKeyCreated: (data) => ({
    action: 'create_key',
    resource: encryptionKey(data.keyId),
    details: { keyType: data.keyType, createdAt: data.createdAt },
  }),
  EncryptionKeyRetired: (data) => ({
    action: 'retire_key',
    resource: encryptionKey(data.keyId),
    details: { retiredAt: data.retiredAt },
  }),
  EncryptionKeyDestroyed: (data) => ({
    action: 'destroy_key',
    resource: encryptionKey(data.keyId),
    details: { destroyedAt: data.destroyedAt },
  }),
  EncryptionKeyRotationStarted: (data) => ({
    action: 'start_rotation',
    resource: rotation(data.rotationId),
    details: { oldKeyId: data.oldKeyId, newKeyId: data.newKeyId, startedAt: data.startedAt },
  }),
  EncryptionKeyRotationCompleted: (data) => ({
    action: 'complete_rotation',
    resource: rotation(data.rotationId),
    details: { keysRewrapped: data.keysRewrapped, completedAt: data.completedAt },
  }),
  CertificateRegistered: (data) => ({
    action: 'import',
    resource: certificate(data.certificateId),
    details: {
      serialNumber: plainHex(data.serialNumber),
      issuer: data.issuer,
      fingerprintSha256: plainHex(data.fingerprintSha256),
    },
  }),
  // The rows of events older releases wrote stay as they were (the table is append-only, a rebuild may
  // not change them): fields a schema-1 event lacks are added only when present, and the times the upcast
  // fills in (revokedAt, expiredAt) are the row's event_timestamp anyway.
  CertificateRevoked: (data) => ({
    action: 'revoke',
    resource: certificate(data.certificateId),
    details: { reason: data.reason, ...invalidity(data) },
  }),
  CertificateSuspended: (data) => ({
    action: 'suspend',
    resource: certificate(data.certificateId),
    details: { reason: 'certificateHold', ...invalidity(data) },
  }),
  CertificateHoldReleased: (data) => ({
    action: 'release',
    resource: certificate(data.certificateId),
    // What a delta CRL says of it (RFC 5280 removeFromCRL).
    details: { reason: 'removeFromCRL' },
  }),
  CertificateExpiring: (data) => ({
    action: 'mark_expiring',
    resource: certificate(data.certificateId),
    details: { notAfter: data.notAfter, thresholdDays: data.thresholdDays },
  }),
  CertificateExpired: (data) => ({
    action: 'expire',
    resource: certificate(data.certificateId),
    details: { notAfter: data.notAfter },
  }),
  CertificateRenewed: (data) => ({
    action: 'renew',
    resource: certificate(data.certificateId),
    details: { successorId: data.successorId },
  }),
  PublicKeyBlocked: (data) => ({
    // Revoked for keyCompromise: no request with this key is issued again.
    action: 'block_key',
    resource: certificate(data.certificateId),
    details: { publicKeyFingerprint: data.publicKeyFingerprint },
  }),
} satisfies { readonly [Type in SecurityEventType]: (data: EventOfType<Type>['data']) => Entry };

/** The event types with a secure_audit_log row. */
export type SecurityEventType =
  | 'CertificateIssued'
  | 'CertificateAuthorityCreated'
  | 'CertificateAuthorityPrepared'
  | 'CertificateAuthorityActivated'
  | 'PrivateKeyExported'
  | 'PrivateKeyDestroyed'
  | 'EncryptionKeyCreated'
  | 'EncryptionKeyRetired'
  | 'EncryptionKeyDestroyed'
  | 'EncryptionKeyRotationStarted'
  | 'EncryptionKeyRotationCompleted'
  | 'CertificateRegistered'
  | 'CertificateRevoked'
  | 'CertificateSuspended'
  | 'CertificateHoldReleased'
  | 'CertificateExpiring'
  | 'CertificateExpired'
  | 'CertificateRenewed'
  | 'PublicKeyBlocked';

const audited: Handler<SecureAuditDatabase> = (event, rows) => {
  const { occurredAt } = stampOf(event);
  const entry = (ENTRY_OF as Record<string, (data: unknown) => Entry>)[event.type](event.data);
  return [
    rows.insert('secure_audit_log', {
      id: event.id,
      event_type: event.type,
      user_id: actorUuidOf(event),
      action: entry.action,
      resource_type: entry.resource.type,
      resource_id: entry.resource.id,
      details: entry.details,
      event_timestamp: occurredAt,
    }),
  ];
};

/** secure_audit_log: one row per event of ENTRY_OF. */
export const secureAuditLogProjection = defineProjection({
  name: 'secure_audit_log',
  tables: [secureAuditLog],
  handlers: Object.fromEntries(Object.keys(ENTRY_OF).map((type) => [type, audited])) as {
    readonly [Type in SecurityEventType]: Handler<SecureAuditDatabase, EventOfType<Type>['data']>;
  },
});
