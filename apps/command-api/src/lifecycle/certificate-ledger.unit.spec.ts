import { DEFAULT_POLICY_RULES, DomainEvent } from '@certm3/domain';
import { CertificateLedger } from './certificate-ledger';
import { notificationIdFor, notificationsFor } from './notification-rules';

const DAY = 86_400_000;
const certificateId = '66666666-6666-4666-8666-666666666666';
const policyId = '55555555-5555-4555-8555-555555555555';
const userId = '11111111-1111-4111-8111-111111111111';
const notBefore = '2026-01-01T00:00:00.000Z';
const notAfter = '2026-03-02T00:00:00.000Z';

const policy = (
  rules: Partial<typeof DEFAULT_POLICY_RULES>,
  type: 'PolicyCreated' | 'PolicyUpdated' = 'PolicyCreated',
) =>
  ({
    type,
    data: {
      policyId,
      policyCode: 'tls',
      name: 'tls',
      description: null,
      organizationId: null,
      issuerId: 'ca',
      policyRules: { ...DEFAULT_POLICY_RULES, ...rules },
    },
  }) as unknown as DomainEvent;

const issued = (keySource: 'server' | 'csr' = 'server') =>
  ({
    type: 'CertificateIssued',
    data: {
      certificateId,
      requestId: 'r',
      userId,
      certificateData: 'PEM',
      caId: 'ca',
      policyId,
      organizationId: null,
      keySource,
      privateKey: null,
      serialNumber: '0a',
      subject: 'CN=a.example.com',
      issuer: 'CN=CA',
      notBefore,
      notAfter,
      fingerprintSha256: 'ff',
      commonName: 'a.example.com',
      subjectAlternativeNames: [],
      keyAlgorithm: 'ECDSA',
      keySize: 256,
      isCa: false,
      publicKeyFingerprint: 'ee',
    },
  }) as unknown as DomainEvent;

const ledgerOf = (...events: DomainEvent[]) => {
  const ledger = new CertificateLedger();
  for (const event of events) ledger.apply(event);
  return ledger;
};

describe('the lifecycle ledger', () => {
  it('has a certificate due at its policy’s threshold, and again when the policy changes it', () => {
    const ledger = ledgerOf(policy({ renewal_threshold_days: 10 }), issued());
    expect(ledger.get(certificateId)!.dueAt).toBe(Date.parse(notAfter) - 10 * DAY);
    expect(ledger.dueAt(Date.parse(notAfter) - 11 * DAY)).toEqual([]);
    expect(ledger.dueAt(Date.parse(notAfter) - 10 * DAY).map((c) => c.certificateId)).toEqual([
      certificateId,
    ]);
    ledger.apply(policy({ renewal_threshold_days: 20 }, 'PolicyUpdated'));
    expect(ledger.get(certificateId)!.dueAt).toBe(Date.parse(notAfter) - 20 * DAY);
  });

  it('counts what it saw of each certificate, so a command sent on a ledger behind the log has an id of its own (regression: a mark decided on a stale ledger was replayed as "nothing" for ever)', () => {
    const ledger = ledgerOf(policy({}), issued());
    expect(ledger.get(certificateId)!.version).toBe(0);
    ledger.apply({
      type: 'CertificateSuspended',
      data: { certificateId, suspendedAt: notBefore },
    } as DomainEvent);
    ledger.apply({
      type: 'CertificateHoldReleased',
      data: { certificateId, releasedAt: notBefore },
    } as DomainEvent);
    expect(ledger.get(certificateId)!.version).toBe(2);
    // A policy's change moves when it is due, not what it saw of the certificate.
    ledger.apply(policy({ renewal_threshold_days: 10 }, 'PolicyUpdated'));
    expect(ledger.get(certificateId)!.version).toBe(2);
  });

  it('is due no more once revoked', () => {
    const ledger = ledgerOf(policy({}), issued(), {
      type: 'CertificateRevoked',
      data: { certificateId, reason: 'unspecified', revokedAt: notBefore },
    } as DomainEvent);
    expect(ledger.get(certificateId)!.dueAt).toBeNull();
  });

  it('auto-renews only server-side keys under auto_renewal that live longer than the threshold', () => {
    expect(
      ledgerOf(policy({ auto_renewal: true, renewal_threshold_days: 30 }), issued()).autoRenews(
        ledgerOf(policy({}), issued()).get(certificateId)!,
      ),
    ).toBe(true);
    const csr = ledgerOf(policy({ auto_renewal: true }), issued('csr'));
    expect(csr.autoRenews(csr.get(certificateId)!)).toBe(false);
    const off = ledgerOf(policy({ auto_renewal: false }), issued());
    expect(off.autoRenews(off.get(certificateId)!)).toBe(false);
    // 60 days of life, a 60-day threshold: its successor would be due the moment it is issued.
    const tooShort = ledgerOf(
      policy({ auto_renewal: true, renewal_threshold_days: 60, max_validity_days: 365 }),
      issued(),
    );
    expect(tooShort.autoRenews(tooShort.get(certificateId)!)).toBe(false);
  });

  it('gives one notification per cause, with an id fixed by the cause', () => {
    const ledger = ledgerOf(policy({}), issued());
    const cause = { eventId: '77777777-7777-4777-8777-777777777777', occurredAt: notBefore };
    const made = notificationsFor(issued(), cause, ledger);
    expect(made).toEqual([
      expect.objectContaining({
        notificationId: notificationIdFor(cause.eventId, 'certificate_issued'),
        userId,
        notificationType: 'certificate_issued',
        resourceType: 'certificate',
        resourceId: certificateId,
      }),
    ]);
    expect(notificationsFor(issued(), cause, ledger)).toEqual(made);
    expect(notificationsFor(policy({}), cause, ledger)).toEqual([]);
  });
});
