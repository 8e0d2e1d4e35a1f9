import { createHash, X509Certificate } from 'node:crypto';
import { CertificateFacts } from '@certm3/domain';

/**
 * What the clm_secure projection specs share: certificates made once for them (openssl-compatible PEMs,
 * fixed so rows are the same on every run) and the events that bring them into the inventory.
 */
export { at, stamp } from '../../clm-core/projections/spec-events.fixture';

interface SpecCertificate {
  readonly pem: string;
  /** As node:crypto spells it (upper-case hex), the way RegisterCertificate records it. */
  readonly serialNumber: string;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** node:crypto's subject and issuer, colon-separated fingerprint: RegisterCertificate's facts. */
  readonly facts: CertificateFacts;
}

function certificate(pem: string, serialNumber: string, fingerprint: string): SpecCertificate {
  const read = new X509Certificate(pem);
  const notBefore = new Date(read.validFrom).toISOString();
  const notAfter = new Date(read.validTo).toISOString();
  return {
    pem,
    serialNumber,
    fingerprint,
    notBefore,
    notAfter,
    facts: {
      serialNumber,
      subject: read.subject.replace(/\n/g, ', '),
      issuer: read.issuer.replace(/\n/g, ', '),
      notBefore,
      notAfter,
      fingerprintSha256: read.fingerprint256,
    },
  };
}

/** A self-signed root: ECDSA P-256, CA, 2026-01-01 to 2036-01-01. */
export const ROOT = certificate(
  `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIQYHWU8NKB+N75knkIU22DqTAKBggqhkjOPQQDAjA3MQsw
CQYDVQQGEwJERTENMAsGA1UEChMEU3BlYzEZMBcGA1UEAxMQY2VydG0zIFNwZWMg
Um9vdDAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMDcxCzAJBgNVBAYT
AkRFMQ0wCwYDVQQKEwRTcGVjMRkwFwYDVQQDExBjZXJ0bTMgU3BlYyBSb290MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEcoeGZvym8MQazHT+95a0+JIOVMKYa/j3
6zYgNtniAWvGYM8VC8j+CQGVtLjK3AHu62GXEZg9l2v/7Fl0rbnAFaMjMCEwDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIg
Y3QBu0YwFCaKey5A+Sjfg22gW3DHY3cx5wgd5T5OAmICIQD1icR2zfXimD6hnMOU
veZTWOJs+BN8RvcxLn/KtGDapg==
-----END CERTIFICATE-----
`,
  '607594F0D281F8DEF9927908536D83A9',
  'f36773a7265382ac9e47ccb146a680c91bd83c5cf9918a4ba5b32ff0be6428de',
);

/** Signed by an offline root (O=Offline): ECDSA P-384, CA with path length 0, 2026-06-01 to 2031-06-01. */
export const OFFLINE_INTERMEDIATE = certificate(
  `-----BEGIN CERTIFICATE-----
MIIBpzCCAU2gAwIBAgIQUXzR2mArfUV9rdXOt0RSCzAKBggqhkjOPQQDAjA2MQsw
CQYDVQQGEwJERTEQMA4GA1UEChMHT2ZmbGluZTEVMBMGA1UEAxMMT2ZmbGluZSBS
b290MB4XDTI2MDYwMTAwMDAwMFoXDTMxMDYwMTAwMDAwMFowQDELMAkGA1UEBhMC
REUxDTALBgNVBAoTBFNwZWMxIjAgBgNVBAMTGVNwZWMgT2ZmbGluZSBJbnRlcm1l
ZGlhdGUwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAARO3UJ6HjcabPin33DfU8VHab4B
6qD78iaiXxE+tIb2v+V4SyI3q6jTbK5Djc0MwXiPEE8gTQB3cc4AKwfSemnWlH/0
Fu9D+3oHtX8bwWUAFpCeieyYwgUUye96FDaatxGjFjAUMBIGA1UdEwEB/wQIMAYB
Af8CAQAwCgYIKoZIzj0EAwIDSAAwRQIhAKOYIaW9CLFc+X9uKC2OuAJvmR6oEhkl
xH4kwcZjeSdmAiBOY1EdMzgCTiC1Vuci4bZSnGmhk5QeGP2QTFl+IEOhyQ==
-----END CERTIFICATE-----
`,
  '517CD1DA602B7D457DADD5CEB744520B',
  '57dcb0fd05755e3035b43d916ebf06d48618c11a3acb57ae9e9e69b338e5b45c',
);

/** Signed by ROOT: RSA 2048, not a CA, DNS, IP, email and URI names, 2026-11-01 to 2027-11-01. */
export const LEAF = certificate(
  `-----BEGIN CERTIFICATE-----
MIIClDCCAjqgAwIBAgIQPhw5SExgriFzTLgrRpnGTDAKBggqhkjOPQQDAjA3MQsw
CQYDVQQGEwJERTENMAsGA1UEChMEU3BlYzEZMBcGA1UEAxMQY2VydG0zIFNwZWMg
Um9vdDAeFw0yNjExMDEwMDAwMDBaFw0yNzExMDEwMDAwMDBaMCkxDTALBgNVBAoT
BFNwZWMxGDAWBgNVBAMTD3d3dy5leGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEB
BQADggEPADCCAQoCggEBAKwVRjA7pfBvSKLujPiPRVBQILFMIUs679dbJ39r8tmx
icei++XcRW9DtLqze+36Q42pNGZuBrDfPJeilKBG1vcsJvDcMVARlVlZD9QSBS8l
pAXDDciRjyCmQznWFpPplczxLEfHeiZI0BAR7yoNOw8pYD14MOnj4xGsPkcfXk8d
XUFwV0YaiVaJuGEh2Xxk6j+0GpiC0uqHraUNVc6EcEdzcUoZorR4kfCrgoQ0THqm
IDrvP60hMpzlXo2NwQO6++jW2Zymh0qp4im4T6Bzqko7c6UHIMVmlEi6VdOBsrHE
I+aEANsLChEzWw1ixazDey6GlES9oRcELqnDLvo1+5MCAwEAAaNrMGkwDAYDVR0T
AQH/BAIwADBZBgNVHREEUjBQgg93d3cuZXhhbXBsZS5jb22CDSouZXhhbXBsZS5j
b22HBMCoAQGBD29wc0BleGFtcGxlLmNvbYYXaHR0cHM6Ly9leGFtcGxlLmNvbS9v
cHMwCgYIKoZIzj0EAwIDSAAwRQIgOmsFl8ce6907iSn5L1gzEnlYXQBSPxLf9dQ8
7VYs5RQCIQCyzfl3FZZZltPIwmPfc6VZgEp19OmjszrJX156Ib8f7Q==
-----END CERTIFICATE-----
`,
  '3E1C39484C60AE21734CB82B4699C64C',
  '040ee3c2fc4c19520787ef29311fc0c0b4b581b95f0311a8ba370b3c286c765a',
);

/** Self-signed, serial 01, valid only from 2030-01-01: pending when registered on the spec day. */
export const NOT_YET_VALID = certificate(
  `-----BEGIN CERTIFICATE-----
MIIBKTCBz6ADAgECAgEBMAoGCCqGSM49BAMCMBwxGjAYBgNVBAMTEWxhdGVyLmV4
YW1wbGUuY29tMB4XDTMwMDEwMTAwMDAwMFoXDTMxMDEwMTAwMDAwMFowHDEaMBgG
A1UEAxMRbGF0ZXIuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAROnM0NI7B+dAUxWAEYS45vAdhJUrddrGL4OtJxPIYG37UdC5gSeW0JkdaQivg9
2swf31JYiTzrjLn2FHnpWtGeowIwADAKBggqhkjOPQQDAgNJADBGAiEAr39TtPwa
urZ2EibKaWqZX9/0s/wi58N4XP+tUwb71ngCIQCNV9K5mzci886iAOkirutU+DbH
CNNIuZZXQX6bEPufPA==
-----END CERTIFICATE-----
`,
  '01',
  '3ced0668285af680a52d13be69fd4d46ba25e724f57ab30e8114b9cd2265a5b6',
);

/** SHA-256 of the certificate's SubjectPublicKeyInfo as node:crypto exports it: the spec's own reading. */
export const spkiFingerprint = (spec: SpecCertificate) =>
  createHash('sha256')
    .update(new X509Certificate(spec.pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');

/** A key as the vault seals it: base64 ciphertext under a data key, wrapped by `keyEncryptionKeyId`. */
export const sealed = (dataKeyId: string, keyEncryptionKeyId?: string) => ({
  dataKeyId,
  ciphertext: `AQsealed${dataKeyId.replace(/-/g, '')}==`,
  ...(keyEncryptionKeyId ? { keyEncryptionKeyId } : {}),
});

export const rootCreated = (caId: string, dataKeyId: string, keyEncryptionKeyId?: string) => ({
  type: 'CertificateAuthorityCreated',
  data: {
    caId,
    name: 'Spec Root',
    subject: { commonName: 'certm3 Spec Root', organization: 'Spec', country: 'DE' },
    keyAlgorithm: 'ECDSA_P256',
    parentId: null,
    organizationId: null,
    certificatePem: ROOT.pem,
    chainPem: ROOT.pem,
    serialNumber: ROOT.serialNumber.toLowerCase(),
    notBefore: ROOT.notBefore,
    notAfter: ROOT.notAfter,
    fingerprint: ROOT.fingerprint,
    pathLength: null,
    privateKey: sealed(dataKeyId, keyEncryptionKeyId),
  },
});

export const intermediatePrepared = (caId: string, dataKeyId: string, organizationId: string | null) => ({
  type: 'CertificateAuthorityPrepared',
  data: {
    caId,
    name: 'Spec Offline Intermediate',
    subject: { commonName: 'Spec Offline Intermediate', organization: 'Spec', country: 'DE' },
    keyAlgorithm: 'ECDSA_P384',
    organizationId,
    csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB…\n-----END CERTIFICATE REQUEST-----\n',
    publicKeyFingerprint: spkiFingerprint(OFFLINE_INTERMEDIATE),
    privateKey: sealed(dataKeyId),
  },
});

export const intermediateActivated = (caId: string) => ({
  type: 'CertificateAuthorityActivated',
  data: {
    caId,
    certificatePem: OFFLINE_INTERMEDIATE.pem,
    chainPem: OFFLINE_INTERMEDIATE.pem,
    serialNumber: OFFLINE_INTERMEDIATE.serialNumber.toLowerCase(),
    notBefore: OFFLINE_INTERMEDIATE.notBefore,
    notAfter: OFFLINE_INTERMEDIATE.notAfter,
    fingerprint: OFFLINE_INTERMEDIATE.fingerprint,
    pathLength: 0,
  },
});

/** LEAF's subject alternative names, in seed 001's shape. */
export const LEAF_NAMES = [
  { type: 'DNS', value: 'www.example.com' },
  { type: 'DNS', value: '*.example.com' },
  { type: 'IP', value: '192.168.1.1' },
  { type: 'EMAIL', value: 'ops@example.com' },
  { type: 'URI', value: 'https://example.com/ops' },
] as const;

/** What LEAF says of itself, as CertificateIssued carries it (and its DNs in RFC 4514 order). */
export const leafDescription = () => ({
  subject: 'CN=www.example.com,O=Spec',
  issuer: 'CN=certm3 Spec Root,O=Spec,C=DE',
  commonName: 'www.example.com',
  subjectAlternativeNames: LEAF_NAMES,
  keyAlgorithm: 'RSA',
  keySize: 2048,
  isCa: false,
  publicKeyFingerprint: spkiFingerprint(LEAF),
});

/** LEAF, issued by the root `caId` to `userId` under `policyId`, its key made here or kept by the requester. */
export const leafIssued = (
  ids: { certificateId: string; requestId: string; caId: string; userId: string; policyId: string },
  options: {
    organizationId?: string | null;
    privateKey?: ReturnType<typeof sealed> | null;
    /** Another serial than LEAF's: one authority never signs two certificates with one serial. */
    serialNumber?: string;
  } = {},
) => ({
  type: 'CertificateIssued',
  data: {
    ...ids,
    certificateData: LEAF.pem,
    organizationId: options.organizationId ?? null,
    keySource: options.privateKey ? 'server' : 'csr',
    privateKey: options.privateKey ? { ...options.privateKey, algorithm: 'RSA_2048' } : null,
    ...LEAF.facts,
    serialNumber: options.serialNumber ?? LEAF.serialNumber.toLowerCase(),
    ...leafDescription(),
  },
});

/** RegisterCertificate's event as the release before #14 wrote it (schema 1: facts only, no description). */
export const registered = (certificateId: string, userId: string, spec: SpecCertificate = LEAF) => ({
  type: 'CertificateRegistered',
  data: { certificateId, userId, certificateData: spec.pem, ...spec.facts },
});
