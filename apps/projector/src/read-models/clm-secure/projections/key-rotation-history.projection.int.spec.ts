import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import { at, stamp } from './spec-events.fixture';

describe('clm_secure key_rotation_history projection', () => {
  const operator = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(operator, '03:00:00') });
  const [rotationId, running] = [randomUUID(), randomUUID()];
  const [oldKeyId, newKeyId] = [randomUUID(), randomUUID()];
  const started = (id: string) => ({
    type: 'EncryptionKeyRotationStarted',
    data: { rotationId: id, oldKeyId, newKeyId, startedAt: '2026-11-29T03:00:00.000Z' },
  });

  it('records who started a rotation and when, and when it completed with how many keys re-wrapped', () =>
    spec
      .given(started(rotationId), started(running), {
        type: 'EncryptionKeyRotationCompleted',
        data: { rotationId, keysRewrapped: 1200, completedAt: '2026-11-29T04:00:00.000Z' },
        metadata: at(randomUUID(), '04:00:00'),
      })
      .then({
        key_rotation_history: [
          {
            rotation_id: rotationId,
            old_key_id: oldKeyId,
            new_key_id: newKeyId,
            started_at: stamp('03:00:00'),
            completed_at: stamp('04:00:00'),
            keys_rewrapped: 1200,
            rotated_by: operator,
            updated_at: stamp('04:00:00'),
          },
          { rotation_id: running, completed_at: null, keys_rewrapped: null, updated_at: stamp('03:00:00') },
        ],
      }));

  it('halts on completing a rotation it has never seen started', () =>
    spec
      .given({
        type: 'EncryptionKeyRotationCompleted',
        data: { rotationId, keysRewrapped: 0, completedAt: '2026-11-29T04:00:00.000Z' },
      })
      .thenFails(`key_rotation_history row rotation_id=${rotationId}: expected to change 1 row, changed 0`));
});
