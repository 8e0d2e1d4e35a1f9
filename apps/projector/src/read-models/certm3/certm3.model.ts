import { upcastEventData } from '@certm3/domain';
import { RESERVATION_EVENT_TYPES } from '../event-groups';
import { defineReadModel } from '../kit';
import { CERTM3_MIGRATIONS } from './migrations';
import { certificatesProjection } from './projections/certificates.projection';
import { groupsProjection } from './projections/groups.projection';
import { usersProjection } from './projections/users.projection';

/**
 * The certM3 read model of seed 000: users, groups, user_groups, certificates, in schema public of their own
 * database, with the documented names, keys and indexes (see documented-schema.fixture.ts).
 */
export const certm3Model = defineReadModel({
  name: 'certm3',
  database: { setting: 'CERTM3_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/certm3' },
  readerRole: 'certm3_reader',
  // Parents before children: an event several projections handle runs their statements in this order.
  projections: [usersProjection, groupsProjection, certificatesProjection],
  // Reservations, the bootstrap marker, command outcomes, roles and organizations (clm_core's) and
  // certificate authorities (clm_secure's) change none of these tables.
  ignores: [
    ...RESERVATION_EVENT_TYPES,
    // Seed 000 has no `expiring` (the certificate is still valid: `active`), no reminders, no renewal
    // links, no blocked keys and no notifications: clm_secure and clm_core keep those.
    'CertificateExpiring',
    'CertificateExpiryReminderDue',
    'CertificateRenewed',
    'PublicKeyBlocked',
    'NotificationCreated',
    'NotificationRead',
    'NotificationDeliveryAttempted',
    'AdministratorBootstrapped',
    'AdministratorAdded',
    'AdministratorRemoved',
    'RoleCreated',
    'RoleUpdated',
    'RoleDeleted',
    'RoleAssigned',
    'RoleRevoked',
    'OrganizationCreated',
    'OrganizationUpdated',
    'OrganizationDeactivated',
    'OrganizationReactivated',
    'OrganizationDeleted',
    'UserAddedToOrganization',
    'UserRemovedFromOrganization',
    'CertificateAuthorityCreated',
    'CertificateAuthorityDisabled',
    'CertificateAuthorityPrepared',
    'CertificateAuthorityActivated',
    // Keys, requests, policies and metadata are clm_secure's and clm_core's; seed 000 has no place for them.
    'PrivateKeyExported',
    'PrivateKeyDestroyed',
    'CertificateMetadataSet',
    'CertificateRequestSubmitted',
    'CertificateRequestFulfilled',
    'PolicyCreated',
    'PolicyUpdated',
    'PolicyActivated',
    'PolicyDeactivated',
    'PolicyArchived',
    'EncryptionKeyCreated',
    'EncryptionKeyRetired',
    'EncryptionKeyDestroyed',
    'EncryptionKeyRotationStarted',
    'EncryptionKeyRotationCompleted',
    'CommandSucceeded',
    'CommandRejected',
  ],
  // 2: UserSuspended, UserReinstated, UserLocked and UserUnlocked change is_active; a database the previous
  // release wrote may hold them skipped by the unknown-event policy, so it is rebuilt once.
  // 3: CertificateIssued adds a certificate, for the same reason.
  projectionVersion: 3,
  migrations: CERTM3_MIGRATIONS,
  upcast: upcastEventData,
});
