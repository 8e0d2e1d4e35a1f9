import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { encryptionKeys } from '../tables/encryption-keys.table';

/** The vault's key-encryption keys: created active, then retired, then destroyed (each with its time). */
export const encryptionKeysProjection = defineProjection({
  name: 'encryption_keys',
  tables: [encryptionKeys],
  handlers: {
    EncryptionKeyCreated: (event, rows) => {
      const { keyId, keyType, createdAt } = event.data;
      return [
        rows.insert('encryption_keys', {
          key_id: keyId,
          key_type: keyType,
          key_status: 'active',
          created_at: createdAt,
          updated_at: stampOf(event).occurredAt,
        }),
      ];
    },
    EncryptionKeyRetired: (event, rows) => [
      rows.update(
        'encryption_keys',
        { key_id: event.data.keyId },
        { key_status: 'retired', retired_at: event.data.retiredAt, updated_at: stampOf(event).occurredAt },
      ),
    ],
    EncryptionKeyDestroyed: (event, rows) => [
      rows.update(
        'encryption_keys',
        { key_id: event.data.keyId },
        {
          key_status: 'destroyed',
          destroyed_at: event.data.destroyedAt,
          updated_at: stampOf(event).occurredAt,
        },
      ),
    ],
  },
});
