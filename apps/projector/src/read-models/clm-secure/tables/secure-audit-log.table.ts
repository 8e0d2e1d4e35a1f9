import { defineTable, jsonb, timestamptz, uuid, varchar } from '@certm3/projection';
import { refuseAuditChange } from './common';

/**
 * Seed 001, "secure_audit_log": one row per use or change of key material and per certificate lifecycle
 * step — a signature with an authority's key, a key made, exported or destroyed, a key-encryption key
 * created, retired, destroyed or rotated, a certificate imported, revoked, held, released, marked
 * expiring, expired or renewed, a public key blocked after a keyCompromise. `id` is the event's
 * id, `event_type` its type, `user_id` the actor, `action` what was done (sign, generate_key, export, …),
 * `resource_type`/`resource_id` what it was done to. `details` names ids, serials and reasons only: never
 * key material, a PEM or ciphertext. Append-only for every role, as the seed requires of logs.
 */
export const secureAuditLog = defineTable('secure_audit_log', {
  columns: {
    id: uuid().primaryKey(),
    event_type: varchar(100).notNull(),
    user_id: uuid(),
    action: varchar(100).notNull(),
    resource_type: varchar(50).notNull(),
    resource_id: varchar(255).notNull(),
    details: jsonb<Record<string, unknown>>().notNull().default("'{}'::jsonb"),
    event_timestamp: timestamptz().notNull(),
  },
  indexes: {
    idx_secure_audit_timestamp: { columns: ['event_timestamp DESC'] },
    idx_secure_audit_resource: { columns: ['resource_type', 'resource_id', 'event_timestamp DESC'] },
    idx_secure_audit_user: { columns: ['user_id', 'event_timestamp DESC'] },
  },
  triggers: {
    trg_secure_audit_log_append_only: {
      timing: 'BEFORE',
      events: ['UPDATE', 'DELETE'],
      forEach: 'ROW',
      execute: refuseAuditChange,
    },
    trg_secure_audit_log_no_truncate: {
      timing: 'BEFORE',
      events: ['TRUNCATE'],
      forEach: 'STATEMENT',
      execute: refuseAuditChange,
    },
  },
  appendOnly: true,
});
