import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR_ID } from '@certm3/domain';
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

/** CertificateIssued of a certificate certm3 made, the key made here. */
const issuedEvent = (certificateId: string) => ({
  type: 'CertificateIssued',
  data: {
    ...registered(certificateId).data,
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
      .given(...users, issuedEvent(issued), {
        type: 'CertificateRevoked',
        data: { certificateId: issued, reason: 'superseded' },
        metadata: at('05:00:00'),
      })
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

  /** An event of the current schema (2 for revocations and expiries) at `time`, by `actor`. */
  const current = (type: string, data: object, time: string, actor = admin) => ({
    type,
    data,
    metadata: { ...atTime(actor, time), schemaVersion: 2 },
  });
  const instant = (time: string) => `2026-11-29T${time}.000Z`;
  const suspended = (certificateId: string, time: string) =>
    current('CertificateSuspended', { certificateId, suspendedAt: instant(time) }, time, owner);
  const notRevoked = { revocation_reason: null, revoked_at: null, revoked_by: null };

  it('dates a revocation by its revokedAt (schema 2), and a schema-1 one by its event', () =>
    spec
      .given(
        ...users,
        registered(kept),
        registered(revoked),
        current(
          'CertificateRevoked',
          { certificateId: revoked, reason: 'cessationOfOperation', revokedAt: instant('04:59:59') },
          '05:00:00',
        ),
        // Regression: the release before #15 wrote no revokedAt.
        {
          type: 'CertificateRevoked',
          data: { certificateId: kept, reason: 'superseded' },
          metadata: { ...at('04:30:00'), schemaVersion: 1 },
        },
      )
      .then({
        certificates: [
          {
            id: revoked,
            status: 'revoked',
            revoked_at: '2026-11-29T04:59:59',
            updated_at: '2026-11-29T05:00:00',
          },
          { id: kept, status: 'revoked', revoked_at: '2026-11-29T04:30:00', revocation_reason: 'superseded' },
        ],
      }));

  it('shows a hold as suspended, with reason certificateHold, when and by whom, until its release', async () => {
    await spec.given(...users, registered(kept), suspended(kept, '04:00:00')).then({
      certificates: [
        {
          id: kept,
          status: 'suspended',
          revocation_reason: 'certificateHold',
          revoked_at: '2026-11-29T04:00:00',
          revoked_by: owner,
          updated_at: '2026-11-29T04:00:00',
          updated_by: owner,
        },
      ],
    });
    await spec
      .given(
        ...users,
        registered(kept),
        suspended(kept, '04:00:00'),
        current(
          'CertificateHoldReleased',
          { certificateId: kept, releasedAt: instant('05:00:00') },
          '05:00:00',
        ),
      )
      .then({
        certificates: [
          { id: kept, status: 'active', ...notRevoked, updated_at: '2026-11-29T05:00:00', updated_by: admin },
        ],
      });
  });

  it('revokes a held certificate finally, and expires one, which ends its hold', () =>
    spec
      .given(
        ...users,
        registered(revoked),
        registered(expired),
        suspended(revoked, '04:00:00'),
        suspended(expired, '04:00:00'),
        current(
          'CertificateRevoked',
          { certificateId: revoked, reason: 'keyCompromise', revokedAt: instant('05:00:00') },
          '05:00:00',
        ),
        current(
          'CertificateExpired',
          { certificateId: expired, notAfter: certificateFacts.notAfter, expiredAt: instant('06:00:00') },
          '06:00:00',
        ),
      )
      .then({
        certificates: [
          {
            id: revoked,
            status: 'revoked',
            revocation_reason: 'keyCompromise',
            revoked_at: '2026-11-29T05:00:00',
            revoked_by: admin,
          },
          { id: expired, status: 'expired', ...notRevoked, updated_at: '2026-11-29T06:00:00' },
        ],
      }));

  // The expiry process runs as the system actor, which is no user: updated_by references users.
  it('leaves updated_by NULL for what the system actor does: an expiry, a renewal it issues', () => {
    const renewal = randomUUID();
    return spec
      .given(
        ...users,
        registered(expired),
        current(
          'CertificateExpired',
          { certificateId: expired, notAfter: certificateFacts.notAfter, expiredAt: instant('06:00:00') },
          '06:00:00',
          SYSTEM_ACTOR_ID,
        ),
        {
          ...issuedEvent(renewal),
          data: { ...issuedEvent(renewal).data, renewalOf: expired },
          metadata: atTime(SYSTEM_ACTOR_ID, '05:00:00'),
        },
      )
      .then({
        certificates: [
          { id: expired, status: 'expired', updated_at: '2026-11-29T06:00:00', updated_by: null },
          { id: renewal, status: 'active', created_at: '2026-11-29T05:00:00', updated_by: null },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      });
  });

  it('keeps a certificate the expiry process marks expiring active (still valid), through reminders and renewal', () =>
    spec
      .given(
        ...users,
        registered(kept),
        current(
          'CertificateExpiring',
          {
            certificateId: kept,
            notAfter: certificateFacts.notAfter,
            thresholdDays: 30,
            markedAt: instant('04:00:00'),
          },
          '04:00:00',
          SYSTEM_ACTOR_ID,
        ),
        current(
          'CertificateExpiryReminderDue',
          {
            certificateId: kept,
            notAfter: certificateFacts.notAfter,
            withinDays: 7,
            dueAt: instant('05:00:00'),
          },
          '05:00:00',
          SYSTEM_ACTOR_ID,
        ),
        current(
          'CertificateRenewed',
          { certificateId: kept, successorId: randomUUID(), renewedAt: instant('06:00:00') },
          '06:00:00',
          SYSTEM_ACTOR_ID,
        ),
      )
      .then({
        certificates: [{ id: kept, status: 'active', ...notRevoked, updated_at: '2026-11-29T03:00:00' }],
      }));

  it('halts on releasing a certificate it has never seen', () =>
    spec
      .given(
        ...users,
        current(
          'CertificateHoldReleased',
          { certificateId: kept, releasedAt: instant('05:00:00') },
          '05:00:00',
        ),
      )
      .thenFails(`certificates row id=${kept}: expected to change 1 row, changed 0`));

  it('halts on revoking a certificate it has never seen', () =>
    spec
      .given(...users, { type: 'CertificateRevoked', data: { certificateId: kept, reason: 'superseded' } })
      .thenFails(`certificates row id=${kept}: expected to change 1 row, changed 0`));
});
