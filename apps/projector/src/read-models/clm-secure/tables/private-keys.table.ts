import { defineTable, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { updatedAtTrigger } from './common';

/**
 * Seed 001, "private_keys": the keys certm3 made (server-side keys of issued certificates, the
 * authorities' keys), one per certificate, each only as the vault sealed it: `encrypted_key_material` is
 * ciphertext under the data key `data_key_id` (also the row's `id`: the vault's name for this secret),
 * which the key-encryption key `encryption_key_id` wraps (NULL for keys sealed before the events named
 * it; a completed rotation moves it to the new key). Never a key in clear. Destruction shreds the data key
 * in the vault; the row keeps when, and drops the ciphertext nobody can open any more. Closed to the
 * reader, and a verify report shows the ciphertext only as a digest.
 */
export const privateKeys = defineTable('private_keys', {
  columns: {
    id: uuid().primaryKey(),
    certificate_id: uuid().notNull().references('certificates', 'id'),
    encrypted_key_material: text(),
    data_key_id: uuid().notNull(),
    encryption_key_id: uuid().references('encryption_keys', 'key_id'),
    key_algorithm: varchar(50).notNull(),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
    destroyed_at: timestamptz(),
  },
  checks: {
    private_keys_sealed_until_destroyed: '(encrypted_key_material IS NULL) = (destroyed_at IS NOT NULL)',
  },
  indexes: {
    // Seed 001's index on certificate_id, unique: certificates ←→ private_keys is 1:1.
    idx_private_keys_cert: { columns: ['certificate_id'], unique: true },
    idx_private_keys_encryption_key_id: { columns: ['encryption_key_id'] },
  },
  triggers: updatedAtTrigger('private_keys'),
  closedToReader: true,
  redactedInReports: ['encrypted_key_material'],
});
