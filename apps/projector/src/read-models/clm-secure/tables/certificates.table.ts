import { SubjectAlternativeName } from '@certm3/domain';
import { boolean, defineTable, integer, jsonb, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { CERTIFICATE_STATUSES, KEY_SOURCES, updatedAtTrigger } from './common';

/**
 * Seed 001, "certificates": the inventory of X.509 certificates — issued by a certm3 authority, imported
 * (`imported`, no key here), and the authorities' own (`is_ca`, `id` the authority's id). `certificate_id`
 * is `id` again, under the name the seed's queries select. An authority whose certificate an offline parent
 * signs is `pending` from its preparation (its key exists, so private_keys has a row) until activation
 * brings the certificate: only then has it a PEM, a serial, an issuer and dates. Serials and fingerprints
 * are lower-case hex; DNs are RFC 4514 text. Owner, policy, workflow and organization are clm_core_db's:
 * uuids only, no foreign key across databases. A serial is unique per issuer among the certificates certm3
 * made; imported ones are exempt, as a log written before fingerprints were reserved may import one twice.
 * `revoked_at`/`revocation_reason` are the revocation or hold in force (certificate_revocations has every
 * one); `marked_expiring_at` is when the expiry process first found it within its renewal threshold;
 * `renewal_of` and `successor_id` link a renewal both ways (uuids only: the successor's issuance and the
 * predecessor's renewal are facts of two streams, in whichever order the log has them).
 */
export const certificates = defineTable('certificates', {
  columns: {
    id: uuid().primaryKey(),
    certificate_id: uuid().notNull().unique(),
    common_name: text(),
    serial_number: text(),
    issuer: text(),
    /** The certm3 authority that signed it (itself for a root); NULL when imported or signed offline. */
    issuer_id: uuid(),
    subject: text().notNull(),
    subject_alternative_names: jsonb<readonly SubjectAlternativeName[]>().notNull().default("'[]'::jsonb"),
    not_before: timestamptz(),
    not_after: timestamptz(),
    status: varchar(20).notNull().oneOf(CERTIFICATE_STATUSES),
    owner_user_id: uuid(),
    policy_id: uuid(),
    workflow_id: uuid(),
    organization_id: uuid(),
    certificate_pem: text(),
    fingerprint_sha256: varchar(64),
    /** SHA-256 of the SubjectPublicKeyInfo: the same key in two certificates has the same value. */
    public_key_fingerprint: varchar(64),
    key_algorithm: varchar(20),
    key_size: integer(),
    is_ca: boolean().notNull().default('false'),
    imported: boolean().notNull().default('false'),
    key_source: text().oneOf(KEY_SOURCES),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
    deleted_at: timestamptz(),
    revoked_at: timestamptz(),
    // No CHECK here: sync adds a column to a table that exists, never a constraint (certificate_revocations
    // has the reason's check).
    revocation_reason: varchar(32),
    marked_expiring_at: timestamptz(),
    /** The certificate this one renews (CertificateIssued's renewalOf). */
    renewal_of: uuid(),
    /** The certificate issued to renew this one, and when that was recorded (CertificateRenewed). */
    successor_id: uuid(),
    renewed_at: timestamptz(),
  },
  checks: {
    certificates_certificate_id_is_id: 'certificate_id = id',
    certificates_pem_unless_pending: "certificate_pem IS NOT NULL OR status = 'pending'",
  },
  indexes: {
    idx_certificates_status: { columns: ['status'], where: 'deleted_at IS NULL' },
    idx_certificates_expiry: { columns: ['not_after'], where: 'deleted_at IS NULL' },
    idx_certificates_owner: { columns: ['owner_user_id'], where: 'deleted_at IS NULL' },
    idx_certificates_issuer_id: { columns: ['issuer_id'] },
    idx_certificates_issuer_serial: {
      columns: ['issuer', 'serial_number'],
      unique: true,
      where: 'NOT imported',
    },
  },
  triggers: updatedAtTrigger('certificates'),
});
