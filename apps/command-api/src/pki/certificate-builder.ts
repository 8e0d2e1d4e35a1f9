import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CaKeyAlgorithm, DistinguishedName, ExtendedKeyUsage, KeyUsage, SanType } from '@certm3/domain';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;
/** @peculiar/x509 is typed against the DOM's WebCrypto, node:crypto's is the same at run time. */
const asX509 = <T>(value: unknown) => value as T;

/**
 * X.509 certificates as certm3's authorities issue them, with @peculiar/x509 over WebCrypto: a root
 * (self-signed), an intermediate, a leaf. What every one gets: a 128-bit serial from the CSPRNG, notBefore
 * backdated one minute (clocks of relying parties drift), SKI and AKI; a CA basicConstraints CA:true with
 * its path length and keyUsage keyCertSign+cRLSign; a leaf CA:false, the policy's key usages and EKUs, the
 * SANs exactly as requested, and the CRL distribution point and AIA (OCSP, caIssuers) under PKI_BASE_URL.
 */

const KEY_PARAMETERS: Record<CaKeyAlgorithm, RsaHashedKeyGenParams | EcKeyGenParams> = {
  ECDSA_P256: { name: 'ECDSA', namedCurve: 'P-256' },
  ECDSA_P384: { name: 'ECDSA', namedCurve: 'P-384' },
  RSA_2048: rsa(2048),
  RSA_3072: rsa(3072),
  RSA_4096: rsa(4096),
};

function rsa(modulusLength: number): RsaHashedKeyGenParams {
  return {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
}

/** The signature algorithm a key of this algorithm signs with. */
function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  if (key.algorithm.name === 'ECDSA')
    return {
      name: 'ECDSA',
      hash: (key.algorithm as EcKeyAlgorithm).namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256',
    } as EcdsaParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
}

export async function generateKeyPair(algorithm: CaKeyAlgorithm): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(KEY_PARAMETERS[algorithm], true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 DER of a private key: what the key vault seals. */
export async function exportPrivateKey(key: CryptoKey): Promise<Buffer> {
  return Buffer.from(await subtle.exportKey('pkcs8', key));
}

export async function importPrivateKey(
  pkcs8: Uint8Array,
  algorithm: CaKeyAlgorithm,
  options: { readonly extractable?: boolean } = {},
): Promise<CryptoKey> {
  const parameters = KEY_PARAMETERS[algorithm];
  const importParameters =
    parameters.name === 'ECDSA'
      ? parameters
      : { name: parameters.name, hash: (parameters as RsaHashedKeyGenParams).hash };
  return subtle.importKey(
    'pkcs8',
    pkcs8,
    importParameters as webcrypto.RsaHashedImportParams,
    options.extractable ?? true,
    ['sign'],
  );
}

/** A positive 128-bit serial number from the CSPRNG, as hex. */
export function newSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive as a DER INTEGER
  if (bytes[0] === 0) bytes[0] = 0x01; // and 16 bytes long
  return bytes.toString('hex');
}

function name(subject: DistinguishedName): x509.JsonName {
  const attributes: x509.JsonName = [];
  if (subject.country) attributes.push({ C: [subject.country] });
  if (subject.organization) attributes.push({ O: [subject.organization] });
  if (subject.organizationalUnit) attributes.push({ OU: [subject.organizationalUnit] });
  attributes.push({ CN: [subject.commonName] });
  return attributes;
}

export interface BuiltCertificate {
  readonly certificate: x509.X509Certificate;
  readonly pem: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER, hex. */
  readonly fingerprint: string;
}

function built(certificate: x509.X509Certificate, serialNumber: string): BuiltCertificate {
  return {
    certificate,
    // Ends with a line break, so that PEMs put one after the other make a chain openssl reads.
    pem: `${certificate.toString('pem')}\n`,
    serialNumber,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
  };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface Issuer {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
}

/** A CA certificate: self-signed when `issuer` is left out, else signed by it. */
export async function buildAuthorityCertificate(input: {
  readonly subject: DistinguishedName;
  readonly keys: CryptoKeyPair;
  readonly validityDays: number;
  readonly now: Date;
  readonly pathLength: number | null;
  readonly issuer?: Issuer;
}): Promise<BuiltCertificate> {
  const serialNumber = newSerialNumber();
  const notBefore = new Date(input.now.getTime() - MINUTE);
  const notAfter = new Date(input.now.getTime() + input.validityDays * DAY);
  const issuerKey = input.issuer ? input.issuer.privateKey : input.keys.privateKey;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, input.pathLength ?? undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(asX509(input.keys.publicKey)),
    await x509.AuthorityKeyIdentifierExtension.create(
      input.issuer ? input.issuer.certificate.publicKey : asX509(input.keys.publicKey),
    ),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: name(input.subject),
    issuer: input.issuer ? input.issuer.certificate.subjectName : name(input.subject),
    notBefore,
    notAfter,
    publicKey: asX509(input.keys.publicKey),
    signingKey: asX509(issuerKey),
    signingAlgorithm: asX509(signingAlgorithm(issuerKey)),
    extensions,
  });
  return built(certificate, serialNumber);
}

const KEY_USAGE_FLAGS: Record<KeyUsage, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
};
const GENERAL_NAME: Record<SanType, x509.GeneralNameType> = {
  DNS: 'dns',
  IP: 'ip',
  EMAIL: 'email',
  URI: 'url',
};

/** An end-entity certificate for `publicKey`, signed by `issuer`. */
export async function buildLeafCertificate(input: {
  readonly subject: DistinguishedName;
  readonly subjectAlternativeNames: readonly { readonly type: SanType; readonly value: string }[];
  readonly publicKey: CryptoKey | x509.PublicKey;
  readonly issuer: Issuer;
  readonly issuerId: string;
  readonly now: Date;
  readonly notAfter: Date;
  readonly keyUsages: readonly KeyUsage[];
  readonly extendedKeyUsages: readonly ExtendedKeyUsage[];
  readonly pkiBaseUrl: string;
}): Promise<BuiltCertificate> {
  const serialNumber = newSerialNumber();
  const base = input.pkiBaseUrl.replace(/\/+$/, '');
  const publicKey =
    input.publicKey instanceof x509.PublicKey ? await input.publicKey.export() : input.publicKey;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      input.keyUsages.reduce((flags, usage) => flags | KEY_USAGE_FLAGS[usage], 0),
      true,
    ),
    ...(input.extendedKeyUsages.length > 0
      ? [
          new x509.ExtendedKeyUsageExtension(
            input.extendedKeyUsages.map((usage) => x509.ExtendedKeyUsage[usage]),
          ),
        ]
      : []),
    ...(input.subjectAlternativeNames.length > 0
      ? [
          new x509.SubjectAlternativeNameExtension(
            input.subjectAlternativeNames.map((san) => ({ type: GENERAL_NAME[san.type], value: san.value })),
          ),
        ]
      : []),
    await x509.SubjectKeyIdentifierExtension.create(asX509(publicKey)),
    await x509.AuthorityKeyIdentifierExtension.create(input.issuer.certificate.publicKey),
    new x509.CRLDistributionPointsExtension([`${base}/crl/${input.issuerId}.crl`]),
    new x509.AuthorityInfoAccessExtension({
      ocsp: [new x509.GeneralName('url', `${base}/ocsp`)],
      caIssuers: [new x509.GeneralName('url', `${base}/ca/${input.issuerId}.crt`)],
    }),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: name(input.subject),
    issuer: input.issuer.certificate.subjectName,
    notBefore: new Date(input.now.getTime() - MINUTE),
    notAfter: input.notAfter,
    publicKey: asX509(publicKey),
    signingKey: asX509(input.issuer.privateKey),
    signingAlgorithm: asX509(signingAlgorithm(input.issuer.privateKey)),
    extensions,
  });
  return built(certificate, serialNumber);
}

/** The PKCS#10 request an offline parent signs for a new authority: its subject, its key, CA:true asked. */
export async function buildAuthorityRequest(input: {
  readonly subject: DistinguishedName;
  readonly keys: CryptoKeyPair;
}): Promise<string> {
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: name(input.subject),
    keys: asX509(input.keys),
    signingAlgorithm: asX509(signingAlgorithm(input.keys.privateKey)),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return request.toString('pem');
}
