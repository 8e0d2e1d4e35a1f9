import { upcastEventData } from '@certm3/domain';
import { RESERVATION_EVENT_TYPES } from '../event-groups';
import { defineReadModel } from '../kit';
import { certificateRequestsProjection } from './projections/certificate-requests.projection';
import { certificateRevocationsProjection } from './projections/certificate-revocations.projection';
import { certificatesProjection } from './projections/certificates.projection';
import { encryptionKeysProjection } from './projections/encryption-keys.projection';
import { keyRotationHistoryProjection } from './projections/key-rotation-history.projection';
import { privateKeysProjection } from './projections/private-keys.projection';
import { secureAuditLogProjection } from './projections/secure-audit-log.projection';
import { activeCertificates, expiringCertificates } from './views';

/**
 * The CLM platform's database of cryptographic material of seed 001 (clm_secure_db): encryption_keys,
 * certificates, certificate_revocations, private_keys, certificate_requests, key_rotation_history and the
 * append-only secure_audit_log, in schema public with the documented names (documented-schema.fixture.ts).
 * Private keys are here only sealed, and neither
 * they nor the key-encryption keys are the reader's to select. The database is restricted: only the
 * projector's role and clm_secure_reader (NOLOGIN, CONNECT) may use it; PUBLIC may not connect, create
 * temporary tables or create in schema public.
 */
export const clmSecureModel = defineReadModel({
  name: 'clm_secure',
  database: {
    setting: 'CLM_SECURE_DATABASE_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/clm_secure_db',
  },
  readerRole: 'clm_secure_reader',
  restrictedDatabase: true,
  // Parents before children: an event several projections handle runs their statements in this order.
  projections: [
    encryptionKeysProjection,
    keyRotationHistoryProjection,
    certificatesProjection,
    certificateRevocationsProjection,
    privateKeysProjection,
    certificateRequestsProjection,
    secureAuditLogProjection,
  ],
  // People, groups, roles, organizations and policies are clm_core's; a disabled authority keeps its
  // certificate and key as they are; metadata is clm_core's certificate_metadata, and so are the
  // notifications; a reminder of an expiry already marked changes no table here (its notification is
  // clm_core's).
  ignores: [
    ...RESERVATION_EVENT_TYPES,
    'CertificateExpiryReminderDue',
    'NotificationCreated',
    'NotificationRead',
    'NotificationDeliveryAttempted',
    'UserRegistered',
    'UserEmailChanged',
    'UserProfileUpdated',
    'UserPasswordChanged',
    'UserDeactivated',
    'UserReactivated',
    'UserSuspended',
    'UserReinstated',
    'UserLocked',
    'UserUnlocked',
    'UserAddedToGroup',
    'UserRemovedFromGroup',
    'UserAddedToOrganization',
    'UserRemovedFromOrganization',
    'GroupCreated',
    'GroupUpdated',
    'GroupDeleted',
    'RoleCreated',
    'RoleUpdated',
    'RoleDeleted',
    'RoleAssigned',
    'RoleRevoked',
    'AdministratorAdded',
    'AdministratorRemoved',
    'AdministratorBootstrapped',
    'OrganizationCreated',
    'OrganizationUpdated',
    'OrganizationDeactivated',
    'OrganizationReactivated',
    'OrganizationDeleted',
    'PolicyCreated',
    'PolicyUpdated',
    'PolicyActivated',
    'PolicyDeactivated',
    'PolicyArchived',
    'CertificateAuthorityDisabled',
    'CertificateMetadataSet',
    'CommandSucceeded',
    'CommandRejected',
  ],
  views: [activeCertificates, expiringCertificates],
  projectionVersion: 1,
  upcast: upcastEventData,
});
