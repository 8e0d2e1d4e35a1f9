import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import { at, stamp } from './spec-events.fixture';

describe('clm_secure encryption_keys projection', () => {
  const system = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(system, '03:00:00') });
  const [kept, gone] = [randomUUID(), randomUUID()];
  const created = (keyId: string) => ({
    type: 'EncryptionKeyCreated',
    data: { keyId, keyType: 'key_encryption_key', createdAt: '2026-11-01T00:00:00.000Z' },
  });

  it('records the vault’s keys created active, then retired and destroyed, at the vault’s times', () =>
    spec
      .given(
        created(kept),
        created(gone),
        {
          type: 'EncryptionKeyRetired',
          data: { keyId: gone, retiredAt: '2026-11-29T04:00:00.000Z' },
          metadata: at(system, '04:00:00'),
        },
        {
          type: 'EncryptionKeyDestroyed',
          data: { keyId: gone, destroyedAt: '2026-11-29T05:00:00.000Z' },
          metadata: at(system, '05:00:00'),
        },
      )
      .then({
        encryption_keys: [
          {
            key_id: kept,
            key_type: 'key_encryption_key',
            key_status: 'active',
            created_at: '2026-11-01T00:00:00+00:00',
            retired_at: null,
            destroyed_at: null,
            updated_at: stamp('03:00:00'),
          },
          {
            key_id: gone,
            key_status: 'destroyed',
            retired_at: stamp('04:00:00'),
            destroyed_at: stamp('05:00:00'),
            updated_at: stamp('05:00:00'),
          },
        ],
      }));

  it('halts on retiring a key it has never seen', () =>
    spec
      .given({ type: 'EncryptionKeyRetired', data: { keyId: kept, retiredAt: '2026-11-29T04:00:00.000Z' } })
      .thenFails(`encryption_keys row key_id=${kept}: expected to change 1 row, changed 0`));
});
