import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { keyRotationHistory } from '../tables/key-rotation-history.table';

/** Rotations of the key-encryption key: started by someone, completed with the count it re-wrapped. */
export const keyRotationHistoryProjection = defineProjection({
  name: 'key_rotation_history',
  tables: [keyRotationHistory],
  handlers: {
    EncryptionKeyRotationStarted: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { rotationId, oldKeyId, newKeyId, startedAt } = event.data;
      return [
        rows.insert('key_rotation_history', {
          rotation_id: rotationId,
          old_key_id: oldKeyId,
          new_key_id: newKeyId,
          started_at: startedAt,
          rotated_by: actorId,
          updated_at: occurredAt,
        }),
      ];
    },
    EncryptionKeyRotationCompleted: (event, rows) => {
      const { rotationId, keysRewrapped, completedAt } = event.data;
      return [
        rows.update(
          'key_rotation_history',
          { rotation_id: rotationId },
          { completed_at: completedAt, keys_rewrapped: keysRewrapped, updated_at: stampOf(event).occurredAt },
        ),
      ];
    },
  },
});
