import { deciderSpec } from '../testing/decider-spec';
import {
  CertificateAuthorityCommand,
  CertificateAuthorityEvent,
  certificateAuthorityDecider,
} from './certificate-authority';

const caId = '99999999-9999-4999-8999-999999999999';
const issued = {
  certificatePem: '-----BEGIN CERTIFICATE-----\n…',
  chainPem: '-----BEGIN CERTIFICATE-----\n…',
  serialNumber: '01',
  notBefore: '2026-12-01T00:00:00.000Z',
  notAfter: '2031-12-01T00:00:00.000Z',
  fingerprint: 'ab',
  pathLength: 0,
  privateKey: { dataKeyId: 'dk', ciphertext: 'sealed' },
};
const create = (
  parent: Extract<CertificateAuthorityCommand, { type: 'CreateCertificateAuthority' }>['parent'],
) =>
  ({
    type: 'CreateCertificateAuthority',
    caId,
    name: 'Issuing CA',
    subject: { commonName: 'certm3 Issuing CA' },
    keyAlgorithm: 'ECDSA_P256',
    organizationId: null,
    parent,
    ...issued,
  }) as const;
const created: CertificateAuthorityEvent = {
  type: 'CertificateAuthorityCreated',
  data: {
    caId,
    name: 'Issuing CA',
    subject: { commonName: 'certm3 Issuing CA' },
    keyAlgorithm: 'ECDSA_P256',
    parentId: null,
    organizationId: null,
    ...issued,
  },
};
const { given } = deciderSpec(certificateAuthorityDecider);

describe('certificate authority', () => {
  it('is created once, its key only sealed', () => {
    given([]).when(create(null)).then([created]);
    given([created]).when(create(null)).thenRefuses('AUTHORITY_ALREADY_EXISTS');
  });

  it('is signed only by an enabled parent that may sign authorities, and never outlives it', () => {
    const parent = { caId: 'root', disabled: false, pathLength: 1, notAfter: '2036-01-01T00:00:00.000Z' };
    // A child must allow fewer authorities below it than its parent.
    given([])
      .when({ ...create(parent), pathLength: 1 })
      .thenRefuses('POLICY_VIOLATION');
    given([])
      .when(create(parent))
      .then([{ ...created, data: { ...created.data, parentId: 'root' } } as CertificateAuthorityEvent]);
    given([])
      .when(create({ ...parent, disabled: true }))
      .thenRefuses('AUTHORITY_DISABLED');
    given([])
      .when(create({ ...parent, pathLength: 0 }))
      .thenRefuses('POLICY_VIOLATION');
    given([])
      .when(create({ ...parent, notAfter: '2030-01-01T00:00:00.000Z' }))
      .thenRefuses('POLICY_VIOLATION');
  });

  it('is disabled once; disabling again changes nothing', () => {
    given([created])
      .when({ type: 'DisableCertificateAuthority' })
      .then([{ type: 'CertificateAuthorityDisabled', data: { caId } }]);
    given([created, { type: 'CertificateAuthorityDisabled', data: { caId } }])
      .when({ type: 'DisableCertificateAuthority' })
      .thenNothingHappens();
  });
});
