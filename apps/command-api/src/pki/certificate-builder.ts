import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { randomSerialNumber } from '@certm3/pki';
import * as x509 from '@peculiar/x509';
import { CaKeyAlgorithm, DistinguishedName } from '@certm3/domain';

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
 * The authorities' own certificates, with @peculiar/x509 over WebCrypto: a root (self-signed) or an
 * intermediate. Each gets a 128-bit serial from the CSPRNG, notBefore backdated one minute (clocks of
 * relying parties drift), SKI and AKI, basicConstraints CA:true with its path length and keyUsage
 * keyCertSign+cRLSign. Leaves are written by libs/pki's certificate writer, hundreds a second.
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
  return randomSerialNumber().toString('hex');
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
