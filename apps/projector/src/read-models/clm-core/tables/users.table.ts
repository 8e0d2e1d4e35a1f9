import { defineTable, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { stampColumns, updatedAtTrigger, USER_STATUSES } from './common';

/**
 * Seed 001, "users". Users are never deleted (seed 000), so `deleted_at` stays NULL; it is there for the
 * seed's queries (`WHERE deleted_at IS NULL`). `username` and `email` are indexed but not unique: the write
 * side keeps them unique, and a log written before it did may hold duplicates, which must still replay.
 * `mfa_secret` is filled by a later issue (multi-factor enrolment); it stays NULL until then. The reader
 * role sees neither the hash nor the secret.
 */
export const users = defineTable('users', {
  columns: {
    id: uuid().primaryKey(),
    username: varchar(255).notNull(),
    email: varchar(255).notNull(),
    password_hash: varchar(255).notNull(),
    mfa_secret: varchar(255),
    status: varchar(20).notNull().default("'active'").oneOf(USER_STATUSES),
    /** Why the last deactivation, suspension or lock happened, when the command said; NULL while active. */
    status_reason: text(),
    status_changed_at: timestamptz(),
    deleted_at: timestamptz(),
    ...stampColumns(),
  },
  indexes: {
    idx_users_username: { columns: ['username'] },
    idx_users_email: { columns: ['email'] },
    idx_users_status: { columns: ['status'], where: 'deleted_at IS NULL' },
  },
  triggers: updatedAtTrigger('users'),
  hiddenFromReader: ['password_hash', 'mfa_secret'],
});
