import { deciderSpec } from '../testing/decider-spec';
import { certificateDecider } from './certificate.decider';
import { CertificateEvent, CertificateFacts } from './certificate.events';

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
  { type: 'CertificateRevoked', data: { certificateId, reason: 'keyCompromise' } },
];
const expired: CertificateEvent[] = [
  ...registered,
  { type: 'CertificateExpired', data: { certificateId, notAfter: facts.notAfter } },
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
      .when({ type: 'RevokeCertificate', reason: 'superseded', comment: 'renewed' })
      .then([
        { type: 'CertificateRevoked', data: { certificateId, reason: 'superseded', comment: 'renewed' } },
      ]);
  });

  it('makes revocation final (seed 000, constraint 2)', () => {
    given(revoked)
      .when({ type: 'RevokeCertificate', reason: 'unspecified' })
      .thenRefuses('CERTIFICATE_ALREADY_REVOKED');
  });

  it('refuses to revoke an expired certificate, and to expire a revoked one', () => {
    given(expired)
      .when({ type: 'RevokeCertificate', reason: 'unspecified' })
      .thenRefuses('CERTIFICATE_EXPIRED');
    given(revoked)
      .when({ type: 'ExpireCertificate', now: '2028-01-01T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_ALREADY_REVOKED');
  });

  it('expires a certificate once its notAfter has passed, once', () => {
    given(registered)
      .when({ type: 'ExpireCertificate', now: '2027-01-01T00:00:01.000Z' })
      .then([{ type: 'CertificateExpired', data: { certificateId, notAfter: facts.notAfter } }]);
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
    given([]).when({ type: 'RevokeCertificate', reason: 'unspecified' }).thenRefuses('NOT_FOUND');
  });
});
