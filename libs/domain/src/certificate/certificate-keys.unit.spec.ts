import { deciderSpec } from '../testing/decider-spec';
import { CertificateCommand, MetadataFields, certificateDecider } from './certificate.decider';
import { CertificateEvent } from './certificate.events';

const certificateId = '66666666-6666-4666-8666-666666666666';
const userId = '11111111-1111-4111-8111-111111111111';
const adminId = '22222222-2222-4222-8222-222222222222';
type Issued = Extract<CertificateEvent, { type: 'CertificateIssued' }>;
const issuedData: Issued['data'] = {
  certificateId,
  requestId: '33333333-3333-4333-8333-333333333333',
  userId,
  certificateData: '-----BEGIN CERTIFICATE-----',
  caId: '99999999-9999-4999-8999-999999999999',
  policyId: '77777777-7777-4777-8777-777777777777',
  organizationId: null,
  keySource: 'server',
  privateKey: { dataKeyId: 'dk-1', ciphertext: 'sealed', keyEncryptionKeyId: 'kek-1', algorithm: 'ECDSA' },
  serialNumber: '02',
  subject: 'CN=ada',
  issuer: 'CN=certm3 Issuing CA',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  fingerprintSha256: 'AB:CD',
  commonName: 'ada',
  subjectAlternativeNames: [{ type: 'DNS', value: 'ada.example' }],
  keyAlgorithm: 'ECDSA',
  keySize: 256,
  isCa: false,
  publicKeyFingerprint: 'ef01',
};
const issued: CertificateEvent[] = [{ type: 'CertificateIssued', data: issuedData }];
/** Issued for a CSR: the requester kept the key. */
const issuedForCsr: CertificateEvent[] = [
  { type: 'CertificateIssued', data: { ...issuedData, keySource: 'csr', privateKey: null } },
];
const registered: CertificateEvent[] = [
  {
    type: 'CertificateRegistered',
    data: {
      certificateId,
      userId,
      certificateData: '-----BEGIN CERTIFICATE-----',
      serialNumber: '01',
      subject: 'CN=ada',
      issuer: 'CN=elsewhere',
      notBefore: issuedData.notBefore,
      notAfter: issuedData.notAfter,
      fingerprintSha256: '01:23',
    },
  },
];
const destroyed: CertificateEvent[] = [
  ...issued,
  { type: 'PrivateKeyDestroyed', data: { certificateId, dataKeyId: 'dk-1' } },
];
const issue = { type: 'IssueCertificate', now: '2026-06-01T00:00:00.000Z', ...issuedData } as const;
const exportKey: CertificateCommand = { type: 'ExportPrivateKey', exportedBy: adminId };
const destroyKey: CertificateCommand = { type: 'DestroyPrivateKey' };
const noMetadata: MetadataFields = { tags: {}, environment: null, application: null, notes: null };
const metadataSet = (metadata: Partial<MetadataFields>): CertificateEvent => ({
  type: 'CertificateMetadataSet',
  data: { certificateId, ...noMetadata, ...metadata },
});
const { given } = deciderSpec(certificateDecider);

describe('an issued certificate and its private key', () => {
  it('is issued with everything the authority made, its key only sealed', () => {
    given([]).when(issue).then(issued);
    given([])
      .when({ ...issue, keySource: 'csr', privateKey: null })
      .then(issuedForCsr);
  });

  it('is issued once: a second issue, or an issue over a registered certificate, is refused', () => {
    given(issued).when(issue).thenRefuses('CERTIFICATE_ALREADY_REGISTERED');
    given(registered).when(issue).thenRefuses('CERTIFICATE_ALREADY_REGISTERED');
    given(issued)
      .when({
        type: 'RegisterCertificate',
        certificateId,
        owner: { userId, active: true },
        certificateData: issuedData.certificateData,
        facts: issuedData,
        now: '2026-06-01T00:00:00.000Z',
      })
      .thenRefuses('CERTIFICATE_ALREADY_REGISTERED');
  });

  it('exports a key certm3 made, encrypted, naming who took it', () => {
    given(issued)
      .when(exportKey)
      .then([
        {
          type: 'PrivateKeyExported',
          data: { certificateId, format: 'pkcs8-encrypted', exportedBy: adminId },
        },
      ]);
  });

  it('has no key to export or destroy when the requester or an outside issuer kept it', () => {
    for (const history of [registered, issuedForCsr]) {
      given(history).when(exportKey).thenRefuses('NO_PRIVATE_KEY');
      given(history).when(destroyKey).thenRefuses('NO_PRIVATE_KEY');
    }
  });

  it('destroys the key’s data key once; destroying again changes nothing, and nothing exports it after', () => {
    given(issued)
      .when(destroyKey)
      .then([{ type: 'PrivateKeyDestroyed', data: { certificateId, dataKeyId: 'dk-1' } }]);
    given(destroyed).when(destroyKey).thenNothingHappens();
    given(destroyed).when(exportKey).thenRefuses('PRIVATE_KEY_DESTROYED');
  });

  it('refuses key operations and metadata on a certificate that does not exist', () => {
    given([]).when(exportKey).thenRefuses('NOT_FOUND');
    given([]).when(destroyKey).thenRefuses('NOT_FOUND');
    given([]).when({ type: 'SetCertificateMetadata', notes: 'x' }).thenRefuses('NOT_FOUND');
  });

  it('is revoked, and expires after its notAfter, like a registered one', () => {
    given(issued)
      .when({ type: 'RevokeCertificate', reason: 'keyCompromise', now: issuedData.notBefore })
      .then([
        {
          type: 'CertificateRevoked',
          data: { certificateId, reason: 'keyCompromise', revokedAt: issuedData.notBefore },
        },
      ]);
    given(issued)
      .when({ type: 'ExpireCertificate', now: '2027-01-01T00:00:01.000Z' })
      .then([
        {
          type: 'CertificateExpired',
          data: { certificateId, notAfter: issuedData.notAfter, expiredAt: '2027-01-01T00:00:01.000Z' },
        },
      ]);
    given(issued)
      .when({ type: 'ExpireCertificate', now: '2026-12-31T00:00:00.000Z' })
      .thenRefuses('CERTIFICATE_NOT_YET_EXPIRED');
    given([
      ...issued,
      {
        type: 'CertificateRevoked',
        data: { certificateId, reason: 'superseded', revokedAt: issuedData.notBefore },
      },
    ])
      .when({ type: 'RevokeCertificate', reason: 'unspecified', now: issuedData.notBefore })
      .thenRefuses('CERTIFICATE_ALREADY_REVOKED');
  });
});

describe('certificate metadata', () => {
  const tagged = metadataSet({ tags: { team: 'pki' }, environment: 'prod' });

  it('sets the fields given, on a certificate with none', () => {
    given(registered)
      .when({ type: 'SetCertificateMetadata', tags: { team: 'pki' }, environment: 'prod' })
      .then([tagged]);
  });

  it('keeps the fields a partial update leaves out, and clears one set to null', () => {
    given([...issued, tagged])
      .when({ type: 'SetCertificateMetadata', notes: 'renew in May' })
      .then([metadataSet({ tags: { team: 'pki' }, environment: 'prod', notes: 'renew in May' })]);
    given([...issued, tagged])
      .when({ type: 'SetCertificateMetadata', environment: null, application: 'billing' })
      .then([metadataSet({ tags: { team: 'pki' }, application: 'billing' })]);
  });

  it('appends nothing when nothing changes', () => {
    given([...issued, tagged])
      .when({ type: 'SetCertificateMetadata', tags: { team: 'pki' }, environment: 'prod', notes: null })
      .thenNothingHappens();
    given(registered).when({ type: 'SetCertificateMetadata' }).thenNothingHappens();
  });
});
