import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { certm3Model } from '../certm3.model';
import { at as atTime, certificateFacts, usersRegistered } from './spec-events.fixture';

const admin = randomUUID();
const owner = randomUUID();
const at = (time: string) => atTime(admin, time);
const users = usersRegistered(admin, owner);
const registered = (certificateId: string) => ({
  type: 'CertificateRegistered',
  data: { certificateId, userId: owner, ...certificateFacts },
});

describe('certificates projection', () => {
  const spec = projectionSpec(certm3Model, { metadata: at('03:00:00') });
  const [kept, revoked, expired] = [randomUUID(), randomUUID(), randomUUID()];

  it('registers certificates active, then revokes (with the RFC 5280 reason) or expires them', () =>
    spec
      .given(
        ...users,
        registered(kept),
        registered(revoked),
        registered(expired),
        {
          type: 'CertificateRevoked',
          data: { certificateId: revoked, reason: 'keyCompromise', comment: 'laptop lost' },
          metadata: at('05:00:00'),
        },
        {
          type: 'CertificateExpired',
          data: { certificateId: expired, notAfter: '2027-01-01T00:00:00.000Z' },
          metadata: at('06:00:00'),
        },
      )
      .then({
        certificates: [
          {
            id: kept,
            user_id: owner,
            status: 'active',
            revocation_reason: null,
            revoked_at: null,
            revoked_by: null,
          },
          {
            id: revoked,
            status: 'revoked',
            revocation_reason: 'keyCompromise',
            revoked_at: '2026-11-29T05:00:00',
            revoked_by: admin,
            updated_at: '2026-11-29T05:00:00',
            created_at: '2026-11-29T03:00:00',
          },
          {
            id: expired,
            status: 'expired',
            revoked_at: null,
            updated_at: '2026-11-29T06:00:00',
            updated_by: admin,
          },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      }));

  it('takes an issued certificate in as a registered one, so it is revoked the same way', () => {
    const issued = randomUUID();
    return spec
      .given(
        ...users,
        {
          type: 'CertificateIssued',
          data: {
            ...registered(issued).data,
            requestId: randomUUID(),
            caId: randomUUID(),
            policyId: randomUUID(),
            organizationId: null,
            keySource: 'server',
            privateKey: { dataKeyId: randomUUID(), ciphertext: 'AQ==', algorithm: 'ECDSA_P256' },
            commonName: 'owner',
            subjectAlternativeNames: [],
            keyAlgorithm: 'ECDSA',
            keySize: 256,
            isCa: false,
            publicKeyFingerprint: 'ab'.repeat(32),
          },
        },
        {
          type: 'CertificateRevoked',
          data: { certificateId: issued, reason: 'superseded' },
          metadata: at('05:00:00'),
        },
      )
      .then({
        certificates: [
          {
            id: issued,
            user_id: owner,
            certificate_data: certificateFacts.certificateData,
            status: 'revoked',
            revocation_reason: 'superseded',
            revoked_by: admin,
            created_at: '2026-11-29T03:00:00',
            updated_by: admin,
          },
        ],
      });
  });

  it('keeps the PEM as registered', () =>
    spec.given(...users, registered(kept)).then({
      certificates: [
        { id: kept, certificate_data: '-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n' },
      ],
    }));

  it('halts on revoking a certificate it has never seen', () =>
    spec
      .given(...users, { type: 'CertificateRevoked', data: { certificateId: kept, reason: 'superseded' } })
      .thenFails(`certificates row id=${kept}: expected to change 1 row, changed 0`));
});
