import { defineTable, text, timestamp, uuid, varchar } from '@certm3/projection';
import { neverDeleted } from './guards';

/** The statuses of seed 000's certificates: `suspended` while on hold (RFC 5280 certificateHold). */
export const CERTM3_CERTIFICATE_STATUSES = ['active', 'revoked', 'expired', 'suspended'] as const;

/**
 * Seed 000, "certificates". `revocation_reason` holds the RFC 5280 reason name; it, `revoked_at` and
 * `revoked_by` describe the revocation or the hold in force (a released hold clears them).
 */
export const certificates = defineTable('certificates', {
  columns: {
    id: uuid().primaryKey(),
    user_id: uuid().notNull().references('users', 'id'),
    certificate_data: text().notNull(),
    status: varchar(50).notNull().oneOf(CERTM3_CERTIFICATE_STATUSES),
    revocation_reason: text(),
    revoked_at: timestamp(),
    revoked_by: uuid().references('users', 'id'),
    created_at: timestamp().notNull(),
    updated_at: timestamp().notNull(),
    updated_by: uuid().references('users', 'id'),
  },
  indexes: {
    certificates_user_id_idx: { columns: ['user_id'] },
    certificates_status_idx: { columns: ['status'] },
  },
  triggers: neverDeleted('certificates'),
});
