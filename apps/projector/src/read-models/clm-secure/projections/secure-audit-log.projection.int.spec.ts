import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import {
  at,
  intermediateActivated,
  intermediatePrepared,
  LEAF,
  leafIssued,
  OFFLINE_INTERMEDIATE,
  registered,
  ROOT,
  rootCreated,
  sealed,
  spkiFingerprint,
  stamp,
} from './spec-events.fixture';

describe('clm_secure secure_audit_log projection', () => {
  const actor = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(actor, '03:00:00') });
  const [rootId, rootKey, intermediateId, intermediateKey, leafId, leafKey, importedId] = Array.from(
    { length: 7 },
    () => randomUUID(),
  );
  const [requestId, policyId, owner] = [randomUUID(), randomUUID(), randomUUID()];
  const [oldKek, newKek, rotationId] = [randomUUID(), randomUUID(), randomUUID()];
  const event = <E extends { type: string }>(given: E, time: string) => ({
    ...given,
    id: randomUUID(),
    metadata: at(actor, time),
  });
  const events = [
    event(rootCreated(rootId, rootKey), '03:00:00'),
    event(intermediatePrepared(intermediateId, intermediateKey, null), '03:01:00'),
    event(intermediateActivated(intermediateId), '03:02:00'),
    event(
      leafIssued(
        { certificateId: leafId, requestId, caId: rootId, userId: owner, policyId },
        { privateKey: sealed(leafKey) },
      ),
      '03:03:00',
    ),
    event(
      {
        type: 'PrivateKeyExported',
        data: { certificateId: leafId, format: 'pkcs8-encrypted', exportedBy: actor },
      },
      '03:04:00',
    ),
    event({ type: 'PrivateKeyDestroyed', data: { certificateId: leafId, dataKeyId: leafKey } }, '03:05:00'),
    event(registered(importedId, owner), '03:06:00'),
    event({ type: 'CertificateRevoked', data: { certificateId: leafId, reason: 'superseded' } }, '03:07:00'),
    event(
      { type: 'CertificateExpired', data: { certificateId: importedId, notAfter: LEAF.notAfter } },
      '03:08:00',
    ),
    event(
      {
        type: 'EncryptionKeyCreated',
        data: { keyId: oldKek, keyType: 'key_encryption_key', createdAt: '2026-11-29T03:09:00.000Z' },
      },
      '03:09:00',
    ),
    event(
      {
        type: 'EncryptionKeyCreated',
        data: { keyId: newKek, keyType: 'key_encryption_key', createdAt: '2026-11-29T03:10:00.000Z' },
      },
      '03:10:00',
    ),
    event(
      {
        type: 'EncryptionKeyRotationStarted',
        data: { rotationId, oldKeyId: oldKek, newKeyId: newKek, startedAt: '2026-11-29T03:10:00.000Z' },
      },
      '03:10:00',
    ),
    event(
      {
        type: 'EncryptionKeyRotationCompleted',
        data: { rotationId, keysRewrapped: 2, completedAt: '2026-11-29T03:11:00.000Z' },
      },
      '03:11:00',
    ),
    event(
      { type: 'EncryptionKeyRetired', data: { keyId: oldKek, retiredAt: '2026-11-29T03:11:00.000Z' } },
      '03:11:00',
    ),
    event(
      { type: 'EncryptionKeyDestroyed', data: { keyId: oldKek, destroyedAt: '2026-11-29T03:12:00.000Z' } },
      '03:12:00',
    ),
  ];
  const row = (index: number, expected: Record<string, unknown>) => ({
    id: events[index].id,
    event_type: events[index].type,
    user_id: actor,
    event_timestamp: stamp(events[index].metadata.occurredAt.slice(11, 19)),
    ...expected,
  });

  // Each row's details are compared whole: nothing but the ids, serials and reasons chosen reaches them.
  it('writes a row per use or change of key material and per certificate lifecycle step, naming what was done', () =>
    spec.given(...events).then({
      secure_audit_log: [
        row(0, {
          action: 'generate_key_and_sign',
          resource_type: 'certificate_authority',
          resource_id: rootId,
          details: {
            signedBy: rootId,
            serialNumber: ROOT.serialNumber.toLowerCase(),
            keyAlgorithm: 'ECDSA_P256',
            dataKeyId: rootKey,
          },
        }),
        row(1, {
          action: 'generate_key',
          resource_type: 'certificate_authority',
          resource_id: intermediateId,
          details: {
            keyAlgorithm: 'ECDSA_P384',
            publicKeyFingerprint: spkiFingerprint(OFFLINE_INTERMEDIATE),
            dataKeyId: intermediateKey,
          },
        }),
        row(2, {
          action: 'activate',
          resource_type: 'certificate_authority',
          details: {
            serialNumber: OFFLINE_INTERMEDIATE.serialNumber.toLowerCase(),
            fingerprintSha256: OFFLINE_INTERMEDIATE.fingerprint,
          },
        }),
        row(3, {
          action: 'sign',
          resource_type: 'certificate',
          resource_id: leafId,
          details: {
            caId: rootId,
            serialNumber: LEAF.serialNumber.toLowerCase(),
            requestId,
            keySource: 'server',
            dataKeyId: leafKey,
          },
        }),
        row(4, {
          action: 'export',
          resource_id: leafId,
          details: { format: 'pkcs8-encrypted', exportedBy: actor },
        }),
        row(5, { action: 'destroy', resource_id: leafId, details: { dataKeyId: leafKey } }),
        row(6, {
          action: 'import',
          resource_type: 'certificate',
          resource_id: importedId,
          details: {
            serialNumber: LEAF.serialNumber.toLowerCase(),
            issuer: LEAF.facts.issuer,
            fingerprintSha256: LEAF.fingerprint,
          },
        }),
        // Schema-1 revocation and expiry: rows as the release before wrote them (the table is append-only).
        row(7, { action: 'revoke', details: { reason: 'superseded' } }),
        row(8, { action: 'expire', details: { notAfter: LEAF.notAfter } }),
        row(9, {
          action: 'create_key',
          resource_type: 'encryption_key',
          resource_id: oldKek,
          details: { keyType: 'key_encryption_key', createdAt: '2026-11-29T03:09:00.000Z' },
        }),
        row(10, { action: 'create_key', resource_id: newKek }),
        row(11, {
          action: 'start_rotation',
          resource_type: 'key_rotation',
          resource_id: rotationId,
          details: { oldKeyId: oldKek, newKeyId: newKek, startedAt: '2026-11-29T03:10:00.000Z' },
        }),
        row(12, {
          action: 'complete_rotation',
          details: { keysRewrapped: 2, completedAt: '2026-11-29T03:11:00.000Z' },
        }),
        row(13, { action: 'retire_key', details: { retiredAt: '2026-11-29T03:11:00.000Z' } }),
        row(14, { action: 'destroy_key', details: { destroyedAt: '2026-11-29T03:12:00.000Z' } }),
      ],
    }));

  it('writes the hold, its release, the expiry marks, renewal and a blocked key, and a revocation’s invalidity date', () => {
    const successorId = randomUUID();
    const v2 = <E extends { type: string }>(given: E, time: string) => ({
      ...event(given, time),
      metadata: { ...at(actor, time), schemaVersion: 2 },
    });
    const successor = leafIssued(
      { certificateId: successorId, requestId: randomUUID(), caId: rootId, userId: owner, policyId },
      { serialNumber: '3e1c02' },
    );
    const lifecycle = [
      event(rootCreated(rootId, rootKey), '03:00:00'),
      event(registered(importedId, owner), '03:01:00'),
      v2(
        {
          type: 'CertificateSuspended',
          data: {
            certificateId: importedId,
            comment: 'is not in the details',
            invalidityDate: '2026-11-29T02:00:00.000Z',
            suspendedAt: '2026-11-29T03:02:00.000Z',
          },
        },
        '03:02:00',
      ),
      v2(
        {
          type: 'CertificateHoldReleased',
          data: { certificateId: importedId, releasedAt: '2026-11-29T03:03:00.000Z' },
        },
        '03:03:00',
      ),
      v2(
        {
          type: 'CertificateExpiring',
          data: {
            certificateId: importedId,
            notAfter: LEAF.notAfter,
            thresholdDays: 30,
            markedAt: '2026-11-29T03:04:00.000Z',
          },
        },
        '03:04:00',
      ),
      v2({ ...successor, data: { ...successor.data, renewalOf: importedId } }, '03:05:00'),
      v2(
        {
          type: 'CertificateRenewed',
          data: { certificateId: importedId, successorId, renewedAt: '2026-11-29T03:06:00.000Z' },
        },
        '03:06:00',
      ),
      v2(
        {
          type: 'CertificateRevoked',
          data: {
            certificateId: importedId,
            reason: 'keyCompromise',
            comment: 'is not in the details',
            invalidityDate: '2026-11-29T01:00:00.000Z',
            revokedAt: '2026-11-29T03:07:00.000Z',
          },
        },
        '03:07:00',
      ),
      v2(
        {
          type: 'PublicKeyBlocked',
          data: {
            publicKeyFingerprint: spkiFingerprint(LEAF),
            certificateId: importedId,
            blockedAt: '2026-11-29T03:07:00.000Z',
          },
        },
        '03:07:00',
      ),
      v2(
        {
          type: 'CertificateExpired',
          data: {
            certificateId: successorId,
            notAfter: LEAF.notAfter,
            expiredAt: '2026-11-29T03:08:00.000Z',
          },
        },
        '03:08:00',
      ),
    ];
    const entry = (index: number, expected: Record<string, unknown>) => ({
      id: lifecycle[index].id,
      event_type: lifecycle[index].type,
      user_id: actor,
      resource_type: 'certificate',
      event_timestamp: stamp(lifecycle[index].metadata.occurredAt.slice(11, 19)),
      ...expected,
    });
    return spec.given(...lifecycle).then({
      secure_audit_log: [
        entry(0, { resource_type: 'certificate_authority' }),
        entry(1, { action: 'import' }),
        entry(2, {
          action: 'suspend',
          resource_id: importedId,
          details: { reason: 'certificateHold', invalidityDate: '2026-11-29T02:00:00.000Z' },
        }),
        entry(3, { action: 'release', resource_id: importedId, details: { reason: 'removeFromCRL' } }),
        entry(4, {
          action: 'mark_expiring',
          resource_id: importedId,
          details: { notAfter: LEAF.notAfter, thresholdDays: 30 },
        }),
        entry(5, {
          action: 'sign',
          resource_id: successorId,
          details: {
            caId: rootId,
            serialNumber: '3e1c02',
            requestId: successor.data.requestId,
            keySource: 'csr',
            renewalOf: importedId,
          },
        }),
        entry(6, { action: 'renew', resource_id: importedId, details: { successorId } }),
        entry(7, {
          action: 'revoke',
          resource_id: importedId,
          details: { reason: 'keyCompromise', invalidityDate: '2026-11-29T01:00:00.000Z' },
        }),
        entry(8, {
          action: 'block_key',
          resource_id: importedId,
          details: { publicKeyFingerprint: spkiFingerprint(LEAF) },
        }),
        entry(9, { action: 'expire', resource_id: successorId, details: { notAfter: LEAF.notAfter } }),
      ],
    });
  });
});
