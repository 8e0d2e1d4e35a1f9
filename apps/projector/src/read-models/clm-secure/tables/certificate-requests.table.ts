import { CertificateRequestStatus, DistinguishedName, SubjectAlternativeName } from '@certm3/domain';
import { defineTable, integer, jsonb, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { KEY_SOURCES, updatedAtTrigger } from './common';

export const REQUEST_STATUSES = [
  'pending',
  'pending_approval',
  'issued',
  'rejected',
  'cancelled',
] as const satisfies readonly CertificateRequestStatus[];

/**
 * Seed 001, "certificate_requests": one row per request, submitted `pending` (or `pending_approval` under
 * a policy that requires approval), `issued` with its certificate. `csr_pem` is the CSR as sent (public: a
 * subject and a public key); NULL when the key is made here. `subject` is the requested DN as JSON
 * (commonName, organization, …). Policy, organization and people are clm_core_db's uuids.
 */
export const certificateRequests = defineTable('certificate_requests', {
  columns: {
    request_id: uuid().primaryKey(),
    status: varchar(20).notNull().oneOf(REQUEST_STATUSES),
    policy_id: uuid().notNull(),
    ca_id: uuid().notNull(),
    organization_id: uuid(),
    requested_by: uuid().notNull(),
    owner_user_id: uuid().notNull(),
    key_source: text().notNull().oneOf(KEY_SOURCES),
    csr_pem: text(),
    subject: jsonb<DistinguishedName>().notNull(),
    subject_alternative_names: jsonb<readonly SubjectAlternativeName[]>().notNull().default("'[]'::jsonb"),
    key_algorithm: varchar(20).notNull(),
    key_size: integer().notNull(),
    not_after: timestamptz().notNull(),
    certificate_id: uuid().references('certificates', 'id'),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
  },
  indexes: {
    idx_certificate_requests_status: { columns: ['status'] },
    idx_certificate_requests_certificate_id: { columns: ['certificate_id'] },
  },
  triggers: updatedAtTrigger('certificate_requests'),
});
