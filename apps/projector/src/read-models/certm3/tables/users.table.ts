import { boolean, defineTable, timestamp, uuid, varchar } from '@certm3/projection';
import { neverDeleted } from './guards';

/** Seed 000, "users". Timestamps are TIMESTAMP (without time zone) holding UTC, from the events' occurredAt. */
export const users = defineTable('users', {
  columns: {
    id: uuid().primaryKey(),
    username: varchar(255).notNull(),
    email: varchar(255).notNull(),
    password_hash: varchar(255).notNull(),
    is_active: boolean().notNull().default('true'),
    created_at: timestamp().notNull(),
    updated_at: timestamp().notNull(),
    updated_by: uuid().references('users', 'id'),
  },
  indexes: {
    // Constraint 5: emails are unique across users (the write side compares them case-insensitively).
    users_email_idx: { columns: ['email'], unique: true },
  },
  triggers: neverDeleted('users'),
  // Dashboards (certm3_reader) read every column but the hash.
  hiddenFromReader: ['password_hash'],
});
