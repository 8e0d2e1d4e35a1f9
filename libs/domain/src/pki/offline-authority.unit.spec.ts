import { foldEvents } from '../shared/decider';
import { ErrorCode } from '../shared/error-codes';
import { deciderSpec } from '../testing/decider-spec';
import {
  CertificateAuthorityEvent,
  assertAuthorityIssues,
  certificateAuthorityDecider,
} from './certificate-authority';

const caId = '99999999-9999-4999-8999-999999999999';
const publicKeyFingerprint = 'c0ffee';
const preparedData = {
  caId,
  name: 'Offline-signed Issuing CA',
  subject: { commonName: 'certm3 Issuing CA', organization: 'certm3' },
  keyAlgorithm: 'ECDSA_P384',
  organizationId: null,
  csrPem: '-----BEGIN CERTIFICATE REQUEST-----',
  publicKeyFingerprint,
  privateKey: { dataKeyId: 'dk', ciphertext: 'sealed', keyEncryptionKeyId: 'kek-1' },
} as const;
const prepare = { type: 'PrepareCertificateAuthority', ...preparedData } as const;
const prepared: CertificateAuthorityEvent = { type: 'CertificateAuthorityPrepared', data: preparedData };
const signed = {
  certificatePem: '-----BEGIN CERTIFICATE-----\n…',
  chainPem: '-----BEGIN CERTIFICATE-----\n…',
  serialNumber: '0a',
  notBefore: '2026-12-01T00:00:00.000Z',
  notAfter: '2031-12-01T00:00:00.000Z',
  fingerprint: 'ab',
  pathLength: 0,
};
const activate = {
  type: 'ActivateCertificateAuthority',
  certifiedPublicKeyFingerprint: publicKeyFingerprint,
  ...signed,
} as const;
const activated: CertificateAuthorityEvent = {
  type: 'CertificateAuthorityActivated',
  data: { caId, ...signed },
};
const disabled: CertificateAuthorityEvent = { type: 'CertificateAuthorityDisabled', data: { caId } };
const { csrPem: _csr, publicKeyFingerprint: _key, ...signedOnline } = preparedData;
/** The same authority, had a certm3 parent signed it at once: never pending. */
const created: CertificateAuthorityEvent = {
  type: 'CertificateAuthorityCreated',
  data: { ...signedOnline, parentId: null, ...signed },
};
const during = '2027-06-01T00:00:00.000Z';
const { given } = deciderSpec(certificateAuthorityDecider);

/** Whether the authority those events make may issue a certificate `during` its validity. */
const issuesAfter = (history: CertificateAuthorityEvent[]) =>
  assertAuthorityIssues(foldEvents(certificateAuthorityDecider, history), during);
const refusal = (code: ErrorCode) => expect.objectContaining({ code });

describe('an authority an offline parent signs', () => {
  it('is prepared once, its key sealed and its CSR out', () => {
    given([]).when(prepare).then([prepared]);
    given([prepared]).when(prepare).thenRefuses('AUTHORITY_ALREADY_EXISTS');
  });

  it('is activated by the certificate brought back for its key', () => {
    given([prepared]).when(activate).then([activated]);
  });

  it('refuses a certificate that certifies another key', () => {
    given([prepared])
      .when({ ...activate, certifiedPublicKeyFingerprint: 'deadbeef' })
      .thenRefuses('AUTHORITY_CERTIFICATE_MISMATCH');
  });

  it('is activated once, and only while pending', () => {
    given([prepared, activated]).when(activate).thenRefuses('AUTHORITY_ALREADY_ACTIVE');
    given([created]).when(activate).thenRefuses('AUTHORITY_ALREADY_ACTIVE');
    given([prepared, disabled]).when(activate).thenRefuses('AUTHORITY_DISABLED');
    given([]).when(activate).thenRefuses('NOT_FOUND');
  });

  it('issues nothing until activated, and nothing once disabled', () => {
    expect(() => issuesAfter([prepared])).toThrow(refusal('AUTHORITY_NOT_ACTIVE'));
    expect(issuesAfter([prepared, activated])).toMatchObject({
      caId,
      notAfter: signed.notAfter,
      privateKey: preparedData.privateKey,
      disabled: false,
    });
    expect(() => issuesAfter([prepared, activated, disabled])).toThrow(refusal('AUTHORITY_DISABLED'));
    expect(() => issuesAfter([prepared, disabled])).toThrow(refusal('AUTHORITY_DISABLED'));
  });
});
