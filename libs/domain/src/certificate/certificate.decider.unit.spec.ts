import { deciderSpec } from '../testing/decider-spec';
import { certificateDecider } from './certificate.decider';
import { CertificateEvent, CertificateFacts } from './certificate.events';

const NOW = '2026-06-01T00:00:00.000Z';
const certificateId = '66666666-6666-4666-8666-666666666666';
const userId = '11111111-1111-4111-8111-111111111111';
const facts: CertificateFacts = {
  serialNumber: '01',
  subject: 'CN=ada',
  issuer: 'CN=certm3 test CA',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  fingerprintSha256: 'AB:CD',
};
const registered: CertificateEvent[] = [
  {
    type: 'CertificateRegistered',
    data: { certificateId, userId, certificateData: '-----BEGIN CERTIFICATE-----', ...facts },
  },
];
const revoked: CertificateEvent[] = [
  ...registered,
  { type: 'CertificateRevoked', data: { certificateId, reason: 'keyCompromise', revokedAt: NOW } },
];
const expired: CertificateEvent[] = [
  ...registered,
  {
    type: 'CertificateExpired',
    data: { certificateId, notAfter: facts.notAfter, expiredAt: facts.notAfter },
  },
];
const register = {
  type: 'RegisterCertificate',
  certificateId,
  owner: { userId, active: true },
  certificateData: '-----BEGIN CERTIFICATE-----',
  facts,
  now: '2026-06-01T00:00:00.000Z',
} as const;
const { given } = deciderSpec(certificateDecider);

describe('certificate', () => {
  it('registers a certificate for an active user', () => {
    given([]).when(register).then(registered);
  });

  it('refuses a certificate for a deactivated user (seed 000, constraint 7)', () => {
    given([])
      .when({ ...register, owner: { userId, active: false } })
      .thenRefuses('USER_INACTIVE');
  });

  it('refuses a certificate already past its notAfter, and a second registration of the same id', () => {
    given([])
      .when({ ...register, now: '2027-01-01T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_EXPIRED');
    given(registered).when(register).thenRefuses('CERTIFICATE_ALREADY_REGISTERED');
  });

  it('revokes with an RFC 5280 reason, keeping the comment', () => {
    given(registered)
      .when({ type: 'RevokeCertificate', reason: 'superseded', comment: 'renewed', now: NOW })
      .then([
        {
          type: 'CertificateRevoked',
          data: { certificateId, reason: 'superseded', comment: 'renewed', revokedAt: NOW },
        },
      ]);
  });

  it('makes revocation final (seed 000, constraint 2)', () => {
    given(revoked)
      .when({ type: 'RevokeCertificate', reason: 'unspecified', now: NOW })
      .thenRefuses('CERTIFICATE_ALREADY_REVOKED');
  });

  it('refuses to revoke an expired certificate, and to expire a revoked one', () => {
    given(expired)
      .when({ type: 'RevokeCertificate', reason: 'unspecified', now: NOW })
      .thenRefuses('CERTIFICATE_EXPIRED');
    given(revoked)
      .when({ type: 'ExpireCertificate', now: '2028-01-01T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_ALREADY_REVOKED');
  });

  it('expires a certificate once its notAfter has passed, once', () => {
    given(registered)
      .when({ type: 'ExpireCertificate', now: '2027-01-01T00:00:01.000Z' })
      .then([
        {
          type: 'CertificateExpired',
          data: { certificateId, notAfter: facts.notAfter, expiredAt: '2027-01-01T00:00:01.000Z' },
        },
      ]);
    given(registered)
      .when({ type: 'ExpireCertificate', now: '2026-12-31T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_NOT_YET_EXPIRED');
    given(expired)
      .when({ type: 'ExpireCertificate', now: '2028-01-01T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_ALREADY_EXPIRED');
  });

  it('never deletes a certificate, whatever its state (seed 000, constraint 2)', () => {
    for (const history of [[], registered, revoked, expired]) {
      given(history).when({ type: 'DeleteCertificate' }).thenRefuses('CERTIFICATE_DELETION_FORBIDDEN');
    }
  });

  it('refuses to revoke or expire a certificate that does not exist', () => {
    given([]).when({ type: 'RevokeCertificate', reason: 'unspecified', now: NOW }).thenRefuses('NOT_FOUND');
  });

  describe('holds (certificateHold)', () => {
    const hold = {
      type: 'RevokeCertificate',
      reason: 'certificateHold',
      comment: 'lost laptop',
      now: NOW,
    } as const;
    const suspended: CertificateEvent[] = [
      ...registered,
      { type: 'CertificateSuspended', data: { certificateId, comment: 'lost laptop', suspendedAt: NOW } },
    ];
    const release = { type: 'ReleaseCertificateHold', now: '2026-06-02T00:00:00.000Z' } as const;

    it('suspends instead of revoking, once', () => {
      given(registered).when(hold).then([suspended[1]!]);
      given(suspended).when(hold).thenRefuses('CERTIFICATE_ALREADY_SUSPENDED');
    });

    it('releases a hold, and only a hold', () => {
      given(suspended)
        .when(release)
        .then([{ type: 'CertificateHoldReleased', data: { certificateId, releasedAt: release.now } }]);
      given(registered).when(release).thenRefuses('CERTIFICATE_NOT_SUSPENDED');
      given(revoked).when(release).thenRefuses('CERTIFICATE_NOT_SUSPENDED');
    });

    it('revokes a suspended certificate finally, and then it is not released', () => {
      const final = [
        ...suspended,
        { type: 'CertificateRevoked', data: { certificateId, reason: 'keyCompromise', revokedAt: NOW } },
      ] as CertificateEvent[];
      given(suspended)
        .when({ type: 'RevokeCertificate', reason: 'keyCompromise', now: NOW })
        .then([final[2]!]);
      given(final).when(release).thenRefuses('CERTIFICATE_NOT_SUSPENDED');
    });

    it('goes back to expiring, not active, when the hold on an expiring certificate is released', () => {
      const expiring: CertificateEvent[] = [
        ...registered,
        {
          type: 'CertificateExpiring',
          data: {
            certificateId,
            notAfter: facts.notAfter,
            thresholdDays: 30,
            markedAt: '2026-12-02T00:00:00.000Z',
          },
        },
        { type: 'CertificateSuspended', data: { certificateId, suspendedAt: '2026-12-03T00:00:00.000Z' } },
        { type: 'CertificateHoldReleased', data: { certificateId, releasedAt: '2026-12-04T00:00:00.000Z' } },
      ];
      const state = expiring.reduce(certificateDecider.evolve, certificateDecider.initialState);
      expect(state.exists && state.status).toBe('expiring');
    });
  });

  it('keeps the invalidity date, and refuses one in the future', () => {
    given(registered)
      .when({
        type: 'RevokeCertificate',
        reason: 'keyCompromise',
        invalidityDate: '2026-05-30T00:00:00.000Z',
        now: NOW,
      })
      .then([
        {
          type: 'CertificateRevoked',
          data: {
            certificateId,
            reason: 'keyCompromise',
            invalidityDate: '2026-05-30T00:00:00.000Z',
            revokedAt: NOW,
          },
        },
      ]);
    given(registered)
      .when({
        type: 'RevokeCertificate',
        reason: 'keyCompromise',
        invalidityDate: '2026-06-02T00:00:00.000Z',
        now: NOW,
      })
      .thenRefuses('INVALIDITY_DATE_AHEAD');
  });

  describe('expiry, as the expiry process asks for it', () => {
    const track = (now: string, thresholdDays = 30) =>
      ({ type: 'TrackCertificateExpiry', now, thresholdDays }) as const;
    const markedAt = '2026-12-05T00:00:00.000Z';
    const expiring: CertificateEvent[] = [
      ...registered,
      {
        type: 'CertificateExpiring',
        data: { certificateId, notAfter: facts.notAfter, thresholdDays: 30, markedAt },
      },
    ];

    it('has nothing due before the threshold', () => {
      given(registered).when(track('2026-11-30T00:00:00.000Z')).thenNothingHappens();
    });

    it('marks expiring within the threshold, once', () => {
      given(registered).when(track(markedAt)).then([expiring[1]!]);
      given(expiring).when(track('2026-12-06T00:00:00.000Z')).thenNothingHappens();
    });

    it('follows the policy’s threshold', () => {
      given(registered).when(track(markedAt, 20)).thenNothingHappens();
      given(registered)
        .when(track('2026-12-20T00:00:00.000Z', 20))
        .then([
          {
            type: 'CertificateExpiring',
            data: {
              certificateId,
              notAfter: facts.notAfter,
              thresholdDays: 20,
              markedAt: '2026-12-20T00:00:00.000Z',
            },
          },
        ]);
    });

    it('reminds at 7 days and at 1 day after the expiring mark, each once, and only the nearer when both passed', () => {
      const sevenDays = '2026-12-25T00:00:00.000Z';
      const reminded: CertificateEvent[] = [
        ...expiring,
        {
          type: 'CertificateExpiryReminderDue',
          data: { certificateId, notAfter: facts.notAfter, withinDays: 7, dueAt: sevenDays },
        },
      ];
      given(expiring).when(track(sevenDays)).then([reminded[2]!]);
      given(reminded).when(track('2026-12-26T00:00:00.000Z')).thenNothingHappens();
      given(reminded)
        .when(track('2026-12-31T00:00:01.000Z'))
        .then([
          {
            type: 'CertificateExpiryReminderDue',
            data: {
              certificateId,
              notAfter: facts.notAfter,
              withinDays: 1,
              dueAt: '2026-12-31T00:00:01.000Z',
            },
          },
        ]);
      // Found for the first time 12 hours before notAfter: marked expiring, and that is its one notice.
      const late = '2026-12-31T12:00:00.000Z';
      const lateMark: CertificateEvent = {
        type: 'CertificateExpiring',
        data: { certificateId, notAfter: facts.notAfter, thresholdDays: 30, markedAt: late },
      };
      given(registered).when(track(late)).then([lateMark]);
      given([...registered, lateMark])
        .when(track('2026-12-31T18:00:00.000Z'))
        .thenNothingHappens();
      // Down from day 8 to half a day before: only the nearer reminder.
      given(expiring)
        .when(track(late))
        .then([
          {
            type: 'CertificateExpiryReminderDue',
            data: { certificateId, notAfter: facts.notAfter, withinDays: 1, dueAt: late },
          },
        ]);
    });

    it('expires past notAfter, once, from active, expiring or suspended; never a revoked one', () => {
      const after = '2027-01-01T00:00:30.000Z';
      const expiredNow = {
        type: 'CertificateExpired',
        data: { certificateId, notAfter: facts.notAfter, expiredAt: after },
      } as const;
      given(registered).when(track(after)).then([expiredNow]);
      given(expiring).when(track(after)).then([expiredNow]);
      given([...registered, { type: 'CertificateSuspended', data: { certificateId, suspendedAt: NOW } }])
        .when(track(after))
        .then([expiredNow]);
      given(expired).when(track(after)).thenNothingHappens();
      given(revoked).when(track(after)).thenNothingHappens();
      given([]).when(track(after)).thenNothingHappens();
    });
  });

  it('records its successor once', () => {
    const successorId = '77777777-7777-4777-8777-777777777777';
    const renewed: CertificateEvent[] = [
      ...registered,
      { type: 'CertificateRenewed', data: { certificateId, successorId, renewedAt: NOW } },
    ];
    given(registered).when({ type: 'RecordRenewal', successorId, now: NOW }).then([renewed[1]!]);
    given(renewed).when({ type: 'RecordRenewal', successorId, now: NOW }).thenNothingHappens();
    given(renewed)
      .when({ type: 'RecordRenewal', successorId: certificateId, now: NOW })
      .thenRefuses('CERTIFICATE_ALREADY_RENEWED');
  });
});
