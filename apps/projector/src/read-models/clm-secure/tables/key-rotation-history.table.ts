import { defineTable, integer, timestamptz, uuid } from '@certm3/projection';
import { updatedAtTrigger } from './common';

/**
 * Seed 001, "key_rotation_history": one row per rotation of the vault's key-encryption key, from the old
 * key to the new, with the vault's start and completion times, how many data keys it re-wrapped, and who
 * started it (the event's actor). The key ids are uuids only: the log may record a key after a rotation
 * that names it.
 */
export const keyRotationHistory = defineTable('key_rotation_history', {
  columns: {
    rotation_id: uuid().primaryKey(),
    old_key_id: uuid().notNull(),
    new_key_id: uuid().notNull(),
    started_at: timestamptz().notNull(),
    completed_at: timestamptz(),
    keys_rewrapped: integer(),
    rotated_by: uuid(),
    updated_at: timestamptz().notNull(),
  },
  triggers: updatedAtTrigger('key_rotation_history'),
});
