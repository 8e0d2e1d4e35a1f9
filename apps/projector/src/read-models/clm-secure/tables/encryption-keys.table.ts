import { EncryptionKeyStatus } from '@certm3/domain';
import { defineTable, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { updatedAtTrigger } from './common';

export const ENCRYPTION_KEY_STATUSES = [
  'active',
  'retired',
  'destroyed',
] as const satisfies readonly EncryptionKeyStatus[];

/**
 * Seed 001, "encryption_keys": the key vault's key-encryption keys as the log records them — ids, kind,
 * status and when — never a key (the vault holds those, docs/key-hierarchy.md). `created_at`, `retired_at`
 * and `destroyed_at` are the vault's times the events carry. Closed to the reader, as the seed restricts it.
 */
export const encryptionKeys = defineTable('encryption_keys', {
  columns: {
    key_id: uuid().primaryKey(),
    key_type: text().notNull(),
    key_status: varchar(20).notNull().default("'active'").oneOf(ENCRYPTION_KEY_STATUSES),
    created_at: timestamptz().notNull(),
    retired_at: timestamptz(),
    destroyed_at: timestamptz(),
    updated_at: timestamptz().notNull(),
  },
  triggers: updatedAtTrigger('encryption_keys'),
  closedToReader: true,
});
