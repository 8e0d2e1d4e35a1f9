import { REVOCATION_REQUEST_REASONS } from '@certm3/domain';
import { defineTable, smallint, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { updatedAtTrigger } from './common';

/**
 * Seed 001, "certificate_revocations" (certificates ← certificate_revocations, 1:N): one row per
 * revocation or hold, as a CRL would list it — the RFC 5280 reason by name (certificateHold for a hold)
 * and by code, when it took effect and who did it, the comment and the invalidity date (RFC 5280
 * §5.3.2) given with it. `id` is derived from the event's id, so a rebuild writes the same ids. A hold
 * that ReleaseCertificateHold lifted has `released_at`/`released_by`; a hold that ended otherwise (the
 * certificate was revoked, or expired, while held) keeps them NULL: the certificate's status says how.
 */
export const certificateRevocations = defineTable('certificate_revocations', {
  columns: {
    id: uuid().primaryKey(),
    certificate_id: uuid().notNull().references('certificates', 'id'),
    revocation_reason: varchar(32).notNull().oneOf(REVOCATION_REQUEST_REASONS),
    /** RFC 5280 §5.3.1 CRLReason code of `revocation_reason` (certificateHold is 6). */
    crl_reason_code: smallint().notNull(),
    revoked_at: timestamptz().notNull(),
    revoked_by: uuid(),
    comment: text(),
    invalidity_date: timestamptz(),
    released_at: timestamptz(),
    released_by: uuid(),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
  },
  checks: {
    certificate_revocations_release_only_holds:
      "released_at IS NULL OR revocation_reason = 'certificateHold'",
  },
  indexes: {
    idx_certificate_revocations_certificate_id: { columns: ['certificate_id'] },
  },
  triggers: updatedAtTrigger('certificate_revocations'),
});
