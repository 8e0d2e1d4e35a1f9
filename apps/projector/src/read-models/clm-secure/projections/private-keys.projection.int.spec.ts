import { randomBytes, randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import {
  at,
  intermediateActivated,
  intermediatePrepared,
  leafIssued,
  rootCreated,
  sealed,
  stamp,
} from './spec-events.fixture';

describe('clm_secure private_keys projection', () => {
  const admin = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(admin, '03:00:00') });
  const [rootId, rootKey, intermediateId, intermediateKey, leafKey] = Array.from({ length: 5 }, () =>
    randomUUID(),
  );
  const [oldKek, newKek, olderKek] = [randomUUID(), randomUUID(), randomUUID()];
  const issuance = (certificateId = randomUUID()) => ({
    certificateId,
    requestId: randomUUID(),
    caId: rootId,
    userId: randomUUID(),
    policyId: randomUUID(),
  });
  const kekCreated = (keyId: string, createdAt: string) => ({
    type: 'EncryptionKeyCreated',
    data: { keyId, keyType: 'key_encryption_key', createdAt },
  });

  it('keeps the sealed keys certm3 made: an authority’s, a server-side key; none for a CSR', () => {
    const [server, csr] = [issuance(), issuance()];
    return spec
      .given(
        kekCreated(oldKek, '2026-11-29T01:00:00.000Z'),
        rootCreated(rootId, rootKey, oldKek),
        leafIssued(server, { privateKey: sealed(leafKey, oldKek) }),
        leafIssued(csr, { serialNumber: '02' }),
      )
      .then({
        private_keys: [
          {
            id: rootKey,
            certificate_id: rootId,
            encrypted_key_material: sealed(rootKey).ciphertext,
            data_key_id: rootKey,
            encryption_key_id: oldKek,
            key_algorithm: 'ECDSA_P256',
            created_at: stamp('03:00:00'),
            updated_at: stamp('03:00:00'),
            destroyed_at: null,
          },
          {
            id: leafKey,
            certificate_id: server.certificateId,
            encrypted_key_material: sealed(leafKey).ciphertext,
            encryption_key_id: oldKek,
            key_algorithm: 'RSA_2048',
          },
        ],
      });
  });

  it('keeps a prepared authority’s key from its preparation (its certificate row pending), unknown wrapping key as NULL', () =>
    spec
      .given(
        intermediatePrepared(intermediateId, intermediateKey, null),
        intermediateActivated(intermediateId),
      )
      .then({
        private_keys: [
          {
            id: intermediateKey,
            certificate_id: intermediateId,
            encryption_key_id: null,
            key_algorithm: 'ECDSA_P384',
          },
        ],
        certificates: [{ id: intermediateId, status: 'active' }],
      }));

  it('drops the ciphertext when the key is destroyed, and keeps when', () => {
    const server = issuance();
    return spec
      .given(rootCreated(rootId, rootKey), leafIssued(server, { privateKey: sealed(leafKey) }), {
        type: 'PrivateKeyDestroyed',
        data: { certificateId: server.certificateId, dataKeyId: leafKey },
        metadata: at(admin, '05:00:00'),
      })
      .then({
        private_keys: [
          { id: rootKey, encrypted_key_material: sealed(rootKey).ciphertext, destroyed_at: null },
          {
            id: leafKey,
            encrypted_key_material: null,
            destroyed_at: stamp('05:00:00'),
            updated_at: stamp('05:00:00'),
          },
        ],
      });
  });

  it('moves the keys a completed rotation re-wrapped to its new key: the old key’s, older ones’, unnamed ones', () => {
    const rotationId = randomUUID();
    const [underOlder, underNew, destroyed, later] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const sealedUnder = (dataKeyId: string, kek?: string) =>
      leafIssued(issuance(), {
        privateKey: sealed(dataKeyId, kek),
        serialNumber: randomBytes(8).toString('hex'),
      });
    return spec
      .given(
        kekCreated(olderKek, '2026-11-28T00:00:00.000Z'),
        kekCreated(oldKek, '2026-11-29T00:00:00.000Z'),
        rootCreated(rootId, rootKey),
        sealedUnder(leafKey, oldKek),
        sealedUnder(underOlder, olderKek),
        sealedUnder(destroyed, oldKek),
        {
          type: 'PrivateKeyDestroyed',
          data: { certificateId: randomUUID(), dataKeyId: destroyed },
        },
        { ...kekCreated(newKek, '2026-11-29T04:00:00.000Z'), metadata: at(admin, '04:00:00') },
        {
          type: 'EncryptionKeyRotationStarted',
          data: { rotationId, oldKeyId: oldKek, newKeyId: newKek, startedAt: '2026-11-29T04:00:00.000Z' },
          metadata: at(admin, '04:00:00'),
        },
        { ...sealedUnder(underNew, newKek), metadata: at(admin, '04:30:00') },
        // Sealed during the rotation without its key named: the vault wrapped it under the new key already.
        { ...sealedUnder(later), metadata: at(admin, '04:30:00') },
        {
          type: 'EncryptionKeyRotationCompleted',
          data: { rotationId, keysRewrapped: 3, completedAt: '2026-11-29T05:00:00.000Z' },
          metadata: at(admin, '05:00:00'),
        },
      )
      .then({
        private_keys: [
          { id: rootKey, encryption_key_id: newKek, updated_at: stamp('05:00:00') },
          { id: leafKey, encryption_key_id: newKek, updated_at: stamp('05:00:00') },
          { id: underOlder, encryption_key_id: newKek },
          { id: destroyed, encryption_key_id: oldKek, encrypted_key_material: null },
          { id: underNew, encryption_key_id: newKek, updated_at: stamp('04:30:00') },
          { id: later, encryption_key_id: null },
        ],
      });
  });

  // The write side records the vault's keys before it serves, so a key names a key-encryption key the log knows.
  it('halts on a key sealed under a key-encryption key the log has not recorded', () =>
    spec.given(rootCreated(rootId, rootKey, oldKek)).thenFails(/private_keys_encryption_key_id_fkey/));

  it('halts on destroying a key it never kept', () =>
    spec
      .given({ type: 'PrivateKeyDestroyed', data: { certificateId: randomUUID(), dataKeyId: leafKey } })
      .thenFails(`private_keys row id=${leafKey}: expected to change 1 row, changed 0`));
});
