import { createHash, KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  contextTag,
  ia5String,
  nullValue,
  octetString,
  oid,
  printableString,
  readElement,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der';

/**
 * End-entity certificates written as DER directly and signed with node:crypto: what a CA issues hundreds
 * of times a second under one authority and one policy, in tens of microseconds instead of the
 * milliseconds a general X.509 library spends. What is the same for every certificate of an authority (its
 * name, its key identifier, the signature algorithm) is read out of its certificate once.
 */

export type LeafKeyUsage =
  'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement';
export type LeafExtendedKeyUsage = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection';
export type LeafSanType = 'DNS' | 'IP' | 'EMAIL' | 'URI';

const KEY_USAGE_BIT: Record<LeafKeyUsage, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
};
const EXTENDED_KEY_USAGE_OID: Record<LeafExtendedKeyUsage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
};

const SIGNATURE_ALGORITHMS = {
  'ecdsa-with-SHA256': { oid: '1.2.840.10045.4.3.2', hash: 'sha256', parameters: false },
  'ecdsa-with-SHA384': { oid: '1.2.840.10045.4.3.3', hash: 'sha384', parameters: false },
  sha256WithRSAEncryption: { oid: '1.2.840.113549.1.1.11', hash: 'sha256', parameters: true },
} as const;
export type IssuerSignatureAlgorithm = keyof typeof SIGNATURE_ALGORITHMS;

export interface IssuerProfile {
  /** The authority's subject as its own certificate encodes it: the leaf's issuer, byte for byte. */
  readonly subject: Buffer;
  /** Its subject key identifier: the leaf's authority key identifier. */
  readonly keyIdentifier: Buffer;
  readonly signatureAlgorithm: IssuerSignatureAlgorithm;
  readonly privateKey: KeyObject;
}

/** The children of the DER element at `offset`, as raw elements. */
function children(der: Buffer, offset = 0): Buffer[] {
  const { start, end } = readElement(der, offset);
  const items: Buffer[] = [];
  for (let at = start; at < end;) {
    const element = readElement(der, at);
    items.push(der.subarray(at, element.end));
    at = element.end;
  }
  return items;
}

/** SHA-1 of a SubjectPublicKeyInfo's key bits (RFC 5280 4.2.1.2, method 1). */
export function keyIdentifierOf(spki: Buffer): Buffer {
  const [, key] = children(spki);
  const { start, end } = readElement(key);
  return createHash('sha1')
    .update(key.subarray(start + 1, end))
    .digest();
}

/** What a leaf needs of its authority, read from the authority's certificate (DER) and its key. */
export function issuerProfile(certificateDer: Buffer, privateKey: KeyObject): IssuerProfile {
  const [tbs] = children(certificateDer);
  const fields = children(tbs);
  const offset = fields[0][0] === 0xa0 ? 1 : 0; // [0] version, present in v3
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  let keyIdentifier = keyIdentifierOf(spki);
  const extensions = fields.find((field) => field[0] === 0xa3);
  if (extensions)
    for (const extension of children(children(extensions)[0], 0)) {
      const parts = children(extension);
      if (parts[0].equals(oid('2.5.29.14'))) {
        const value = parts[parts.length - 1];
        const inner = value.subarray(readElement(value).start);
        const { start, end } = readElement(inner);
        keyIdentifier = Buffer.from(inner.subarray(start, end));
      }
    }
  const details = privateKey.asymmetricKeyDetails ?? {};
  const signatureAlgorithm: IssuerSignatureAlgorithm =
    privateKey.asymmetricKeyType === 'ec'
      ? details.namedCurve === 'secp384r1'
        ? 'ecdsa-with-SHA384'
        : 'ecdsa-with-SHA256'
      : 'sha256WithRSAEncryption';
  return { subject: Buffer.from(subject), keyIdentifier, signatureAlgorithm, privateKey };
}

export interface LeafName {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly country?: string;
}

/** C, O, OU, CN, outermost first (as certm3's authorities name themselves); C as PrintableString. */
export function encodeName(name: LeafName): Buffer {
  const rdn = (type: string, value: Buffer) => set(sequence(oid(type), value));
  return sequence(
    ...(name.country ? [rdn('2.5.4.6', printableString(name.country))] : []),
    ...(name.organization ? [rdn('2.5.4.10', utf8String(name.organization))] : []),
    ...(name.organizationalUnit ? [rdn('2.5.4.11', utf8String(name.organizationalUnit))] : []),
    rdn('2.5.4.3', utf8String(name.commonName)),
  );
}

/** An IP address's 4 or 16 octets; an IPv6 address may end in a dotted quad (`::ffff:192.0.2.7`). */
export function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  if (isIP(address) !== 6 || address.includes('%'))
    throw new Error(`not an IP address without a zone: ${address}`);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
    text = `${text.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const compressed = text.includes('::');
  const [head, tail] = compressed ? text.split('::') : [text, ''];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const words = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.concat(words.map((word) => Buffer.from(word.padStart(4, '0'), 'hex')));
  if (bytes.length !== 16) throw new Error(`not an IPv6 address: ${address}`);
  return bytes;
}

function generalName(san: { readonly type: LeafSanType; readonly value: string }): Buffer {
  switch (san.type) {
    case 'DNS':
      return contextTag(2, ia5String(san.value), false);
    case 'EMAIL':
      return contextTag(1, ia5String(san.value), false);
    case 'URI':
      return contextTag(6, ia5String(san.value), false);
    case 'IP':
      return contextTag(7, ipBytes(san.value), false);
  }
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function keyUsageBits(usages: readonly LeafKeyUsage[]): Buffer {
  let byte = 0;
  for (const usage of usages) byte |= 0x80 >> KEY_USAGE_BIT[usage];
  let unused = 0;
  while (unused < 8 && !(byte & (1 << unused))) unused += 1;
  return Buffer.from([0x03, 0x02, unused, byte]);
}

/** A positive 128-bit serial number from the CSPRNG (16 bytes, the first nonzero and below 0x80). */
export function randomSerialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 0x01;
  return bytes;
}

export interface LeafCertificate {
  readonly issuer: IssuerProfile;
  readonly serialNumber: Buffer;
  readonly subject: LeafName;
  readonly subjectAlternativeNames: readonly { readonly type: LeafSanType; readonly value: string }[];
  /** The certified key's SubjectPublicKeyInfo, DER, as the CSR (or the key made here) has it. */
  readonly publicKey: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyUsages: readonly LeafKeyUsage[];
  readonly extendedKeyUsages: readonly LeafExtendedKeyUsage[];
  readonly crlDistributionPoint: string;
  readonly ocsp: string;
  readonly caIssuers: string;
}

/**
 * The certificate, DER: X.509 v3, basicConstraints CA:false (critical), keyUsage (critical), EKU, the SANs
 * exactly as given, SKI, AKI, the CRL distribution point and AIA (OCSP, caIssuers).
 */
export async function writeLeafCertificate(leaf: LeafCertificate): Promise<Buffer> {
  const algorithm = SIGNATURE_ALGORITHMS[leaf.issuer.signatureAlgorithm];
  const signatureAlgorithm = sequence(oid(algorithm.oid), ...(algorithm.parameters ? [nullValue()] : []));
  const uri = (value: string) => contextTag(6, ia5String(value), false);
  const extensions = [
    extension('2.5.29.19', true, sequence()),
    ...(leaf.keyUsages.length > 0 ? [extension('2.5.29.15', true, keyUsageBits(leaf.keyUsages))] : []),
    ...(leaf.extendedKeyUsages.length > 0
      ? [
          extension(
            '2.5.29.37',
            false,
            sequence(...leaf.extendedKeyUsages.map((usage) => oid(EXTENDED_KEY_USAGE_OID[usage]))),
          ),
        ]
      : []),
    ...(leaf.subjectAlternativeNames.length > 0
      ? [extension('2.5.29.17', false, sequence(...leaf.subjectAlternativeNames.map(generalName)))]
      : []),
    extension('2.5.29.14', false, octetString(keyIdentifierOf(leaf.publicKey))),
    extension('2.5.29.35', false, sequence(contextTag(0, leaf.issuer.keyIdentifier, false))),
    extension(
      '2.5.29.31',
      false,
      sequence(sequence(contextTag(0, contextTag(0, uri(leaf.crlDistributionPoint), true), true))),
    ),
    extension(
      '1.3.6.1.5.5.7.1.1',
      false,
      sequence(
        sequence(oid('1.3.6.1.5.5.7.48.1'), uri(leaf.ocsp)),
        sequence(oid('1.3.6.1.5.5.7.48.2'), uri(leaf.caIssuers)),
      ),
    ),
  ];
  const tbs = sequence(
    contextTag(0, smallInteger(2), true),
    unsignedInteger(leaf.serialNumber),
    signatureAlgorithm,
    leaf.issuer.subject,
    sequence(time(leaf.notBefore), time(leaf.notAfter)),
    encodeName(leaf.subject),
    leaf.publicKey,
    contextTag(3, sequence(...extensions), true),
  );
  // ECDSA signatures come out of node:crypto DER-encoded (r, s), as X.509 wants them; RSA as PKCS#1 v1.5.
  // Signed on libuv's threads (the callback form), off the event loop: an RSA-3072 signature takes ms.
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign(algorithm.hash, tbs, leaf.issuer.privateKey, (error, signed) =>
      error ? reject(error) : resolve(signed),
    ),
  );
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}
