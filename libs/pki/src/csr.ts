/**
 * Reads a PKCS#10 certificate request the way a CA must before it trusts a byte of it (issue #14): one PEM
 * block and nothing else, strict DER, a self-signature that verifies over the exact bytes received, and a
 * signature algorithm a CA still accepts. The result is what the domain decides on (subject, requested
 * SANs in seed 001's shape, the key); whether the key is good enough is goodkey's question, not this one.
 *
 * Why strictness rather than tolerance: anything this parser accepts and another reader interprets
 * differently (a second PEM block, bytes after the DER, a BER length, two CN attributes, two SAN
 * extensions) is a request whose meaning depends on who reads it. Refusing those costs honest clients
 * nothing — openssl, Go, Java and browsers all produce the strict form.
 *
 * The signature is checked with node:crypto over `certificationRequestInfoRaw` (the bytes as sent, not a
 * re-encoding), synchronously: PKCS#1 v1.5 for RSA, DER-encoded ECDSA for EC, the hash from the OID.
 */
import { createPublicKey, KeyObject, verify } from 'node:crypto';
import { isIP } from 'node:net';
import { AsnParser } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AttributeValue, Extensions, Name, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { Refusal, RefusalDetail } from './refusal';
import { describePublicKey, isAbsentOrNull, parseDer, UnreadableKeyError } from './spki';

export type SanType = 'DNS' | 'IP' | 'EMAIL' | 'URI';
export interface SubjectAlternativeNameEntry {
  readonly type: SanType;
  readonly value: string;
}

/** The subject attributes the policies name (`SUBJECT_FIELDS`) and the few others CSRs commonly carry. */
export interface SubjectFields {
  readonly commonName?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly country?: string;
  readonly stateOrProvince?: string;
  readonly locality?: string;
  readonly serialNumber?: string;
  readonly emailAddress?: string;
}

export interface ParsedSubject {
  /** RFC 4514: most specific first (`CN=…,O=…,C=…`), reserved characters escaped. */
  readonly dn: string;
  readonly fields: SubjectFields;
  /** Every attribute in encoding order (outermost RDN first), by short name or dotted OID. */
  readonly attributes: readonly { readonly type: string; readonly value: string }[];
}

export type CsrKeyAlgorithm =
  | { readonly name: 'RSA'; readonly modulusBits: number; readonly publicExponent: bigint }
  | { readonly name: 'ECDSA'; readonly curve: string };

export type CsrSignatureAlgorithm =
  | 'sha256WithRSAEncryption'
  | 'sha384WithRSAEncryption'
  | 'sha512WithRSAEncryption'
  | 'ecdsa-with-SHA256'
  | 'ecdsa-with-SHA384'
  | 'ecdsa-with-SHA512';

export interface ParsedCsr {
  /** The request's DER, as decoded from the PEM. */
  readonly der: Buffer;
  readonly subject: ParsedSubject;
  readonly subjectAlternativeNames: readonly SubjectAlternativeNameEntry[];
  readonly publicKey: { readonly spki: Buffer; readonly keyObject: KeyObject };
  readonly keyAlgorithm: CsrKeyAlgorithm;
  readonly signatureAlgorithm: CsrSignatureAlgorithm;
}

export type CsrRule =
  | 'pem'
  | 'der'
  | 'version'
  | 'public-key'
  | 'signature-algorithm'
  | 'signature-key-mismatch'
  | 'signature'
  | 'subject-attribute-encoding'
  | 'subject-attribute-repeated'
  | 'extension-request'
  | 'san-type'
  | 'san-value';

export type CsrRefusalDetail = RefusalDetail<CsrRule>;

/** Why a request was refused; `details` are JSON-safe and go into the command's reply as they are. */
export class CsrRefusal extends Refusal<'INVALID_CSR', CsrRule> {
  constructor(details: readonly CsrRefusalDetail[]) {
    super('INVALID_CSR', 'The certificate request', details);
    this.name = 'CsrRefusal';
  }
}

function refuse(rule: CsrRule, message: string, extra: Record<string, unknown> = {}): never {
  throw new CsrRefusal([{ rule, message, ...extra }]);
}

const ACCEPTED_SIGNATURES: Readonly<
  Record<string, { readonly name: CsrSignatureAlgorithm; readonly hash: string; readonly key: 'RSA' | 'EC' }>
> = {
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256', key: 'RSA' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384', key: 'RSA' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512', key: 'RSA' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256', key: 'EC' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384', key: 'EC' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512', key: 'EC' },
};
export const ACCEPTED_SIGNATURE_ALGORITHMS: readonly CsrSignatureAlgorithm[] = Object.values(
  ACCEPTED_SIGNATURES,
).map((s) => s.name);

/** Signature algorithms clients still send, named so a refusal says which one and why. */
const REFUSED_SIGNATURES: Readonly<Record<string, { readonly algorithm: string; readonly reason: string }>> =
  {
    '1.2.840.113549.1.1.2': { algorithm: 'md2WithRSAEncryption', reason: 'MD2 is broken' },
    '1.2.840.113549.1.1.4': { algorithm: 'md5WithRSAEncryption', reason: 'MD5 is broken' },
    '1.2.840.113549.1.1.5': { algorithm: 'sha1WithRSAEncryption', reason: 'SHA-1 is broken' },
    '1.3.14.3.2.29': { algorithm: 'sha1WithRSASignature', reason: 'SHA-1 is broken' },
    '1.2.840.113549.1.1.14': { algorithm: 'sha224WithRSAEncryption', reason: 'SHA-224 is not accepted' },
    '1.2.840.113549.1.1.10': { algorithm: 'RSASSA-PSS', reason: 'RSA-PSS is not accepted' },
    '1.2.840.10045.4.1': { algorithm: 'ecdsa-with-SHA1', reason: 'SHA-1 is broken' },
    '1.2.840.10045.4.3.1': { algorithm: 'ecdsa-with-SHA224', reason: 'SHA-224 is not accepted' },
    '1.3.101.112': { algorithm: 'Ed25519', reason: 'EdDSA is not accepted' },
    '1.3.101.113': { algorithm: 'Ed448', reason: 'EdDSA is not accepted' },
    '1.2.840.10040.4.3': { algorithm: 'dsa-with-SHA1', reason: 'DSA is not accepted' },
    '2.16.840.1.101.3.4.3.1': { algorithm: 'dsa-with-SHA224', reason: 'DSA is not accepted' },
    '2.16.840.1.101.3.4.3.2': { algorithm: 'dsa-with-SHA256', reason: 'DSA is not accepted' },
  };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const CSR_LABEL = 'CERTIFICATE REQUEST';

/** Exactly one `CERTIFICATE REQUEST` block, surrounded by nothing but whitespace, in strict base64. */
function pemToDer(pem: string): Buffer {
  if (typeof pem !== 'string') refuse('pem', 'not a PEM string');
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) refuse('pem', 'no PEM block');
  if (blocks.length > 1)
    refuse('pem', `${blocks.length} PEM blocks; exactly one is accepted`, { blocks: blocks.length });
  const [block] = blocks;
  const [whole, label, body, endLabel] = block;
  if (label !== CSR_LABEL || endLabel !== CSR_LABEL)
    refuse('pem', `a "${label}" PEM block; a "${CSR_LABEL}" is expected`, { label });
  if (pem.slice(0, block.index).trim() !== '' || pem.slice(block.index + whole.length).trim() !== '')
    refuse('pem', 'text outside the PEM block');
  const base64 = body.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64) || base64 === '')
    refuse('pem', 'the PEM body is not base64');
  return Buffer.from(base64, 'base64');
}

/** Parses, verifies and describes a PKCS#10 request; `CsrRefusal` names the first rule it breaks. */
export function parseCertificateRequest(pem: string): ParsedCsr {
  const der = pemToDer(pem);
  let request: CertificationRequest;
  try {
    request = parseDer(der, CertificationRequest);
  } catch (error) {
    refuse('der', `not a DER-encoded PKCS#10 request (${describeError(error)})`);
  }
  const info = request.certificationRequestInfo;
  if (info.version !== 0) refuse('version', `version ${info.version}; PKCS#10 has only version 1 (0)`);

  const signatureOid = request.signatureAlgorithm.algorithm;
  const accepted = ACCEPTED_SIGNATURES[signatureOid];
  if (!accepted) {
    const known = REFUSED_SIGNATURES[signatureOid];
    refuse(
      'signature-algorithm',
      `signed with ${known?.algorithm ?? signatureOid}: ${known?.reason ?? 'unknown'}`,
      {
        algorithm: known?.algorithm ?? signatureOid,
        oid: signatureOid,
        accepted: ACCEPTED_SIGNATURE_ALGORITHMS,
      },
    );
  }
  if (!isAbsentOrNull(request.signatureAlgorithm.parameters, accepted.key === 'RSA'))
    refuse('signature-algorithm', `${accepted.name} with parameters it must not have`, {
      algorithm: accepted.name,
    });

  const tbs = Buffer.from(request.certificationRequestInfoRaw ?? new ArrayBuffer(0));
  const spki = Buffer.from(spkiBytes(tbs));
  let description;
  let keyObject: KeyObject;
  try {
    description = describePublicKey(spki);
    keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (error) {
    const reason = error instanceof UnreadableKeyError ? error.message : describeError(error);
    refuse('public-key', `the public key cannot be read (${reason})`);
  }
  const keyKind = description.kind === 'other' ? description.algorithm : description.kind;
  if (keyKind !== accepted.key)
    refuse('signature-key-mismatch', `a ${keyKind} key cannot make a ${accepted.name} signature`, {
      key: keyKind,
      algorithm: accepted.name,
    });

  let valid = false;
  try {
    valid = verify(accepted.hash, tbs, keyObject, Buffer.from(request.signature));
  } catch {
    valid = false;
  }
  if (!valid)
    refuse(
      'signature',
      'the self-signature does not verify: the request was altered or not signed by its key',
    );

  return {
    der,
    subject: readSubject(info.subject),
    subjectAlternativeNames: readRequestedSans(info.attributes ?? []),
    publicKey: { spki, keyObject },
    keyAlgorithm:
      description.kind === 'RSA'
        ? { name: 'RSA', modulusBits: description.modulusBits, publicExponent: description.publicExponent }
        : // the mismatch check above leaves only EC here
          { name: 'ECDSA', curve: description.kind === 'EC' ? description.curve : description.algorithm },
    signatureAlgorithm: accepted.name,
  };
}

/**
 * The SubjectPublicKeyInfo's bytes as sent, sliced from the (already DER-checked) TBS rather than
 * re-encoded by the schema, so the key judged is exactly the key that signed.
 */
function spkiBytes(tbs: Buffer): Buffer {
  // TBS: SEQUENCE { version INTEGER, subject Name, spki SubjectPublicKeyInfo, [0] attributes }.
  let offset = headerLength(tbs, 0);
  for (let i = 0; i < 2; i++) offset += elementLength(tbs, offset);
  return tbs.subarray(offset, offset + elementLength(tbs, offset));
}

function headerLength(der: Buffer, offset: number): number {
  const first = der[offset + 1];
  return first & 0x80 ? 2 + (first & 0x7f) : 2;
}

function elementLength(der: Buffer, offset: number): number {
  const first = der[offset + 1];
  if (!(first & 0x80)) return 2 + first;
  let length = 0;
  for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[offset + 2 + i];
  return 2 + (first & 0x7f) + length;
}

const ATTRIBUTE_NAMES: Readonly<
  Record<string, { readonly short: string; readonly field?: keyof SubjectFields }>
> = {
  '2.5.4.3': { short: 'CN', field: 'commonName' },
  '2.5.4.10': { short: 'O', field: 'organization' },
  '2.5.4.11': { short: 'OU', field: 'organizationalUnit' },
  '2.5.4.6': { short: 'C', field: 'country' },
  '2.5.4.8': { short: 'ST', field: 'stateOrProvince' },
  '2.5.4.7': { short: 'L', field: 'locality' },
  '2.5.4.9': { short: 'STREET' },
  '0.9.2342.19200300.100.1.25': { short: 'DC' },
  '0.9.2342.19200300.100.1.1': { short: 'UID' },
  // Not in RFC 4514's table, so the DN names them by OID; the fields still carry them.
  '2.5.4.5': { short: '2.5.4.5', field: 'serialNumber' },
  '1.2.840.113549.1.9.1': { short: '1.2.840.113549.1.9.1', field: 'emailAddress' },
};

function attributeText(value: AttributeValue): string | undefined {
  return (
    value.utf8String ??
    value.printableString ??
    value.ia5String ??
    value.bmpString ??
    value.universalString ??
    value.teletexString
  );
}

/** RFC 4514 §2.4: the characters a DN reader would otherwise take as syntax. */
function escapeDnValue(value: string): string {
  return value
    .replace(/[\\"+,;<>]/g, (c) => '\\' + c)
    .replace(/\0/g, '\\00')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

function readSubject(name: Name): ParsedSubject {
  const attributes: { type: string; value: string }[] = [];
  const fields: Record<string, string> = {};
  const rdnTexts: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const attribute of rdn) {
      const known = ATTRIBUTE_NAMES[attribute.type];
      const type = known?.short ?? attribute.type;
      const value = attributeText(attribute.value);
      if (value === undefined)
        refuse('subject-attribute-encoding', `subject attribute ${type} is not a string`, {
          attribute: type,
        });
      if (known?.field) {
        if (known.field in fields)
          refuse('subject-attribute-repeated', `subject attribute ${type} appears more than once`, {
            attribute: known.field,
          });
        fields[known.field] = value;
      }
      attributes.push({ type, value });
      parts.push(`${type}=${escapeDnValue(value)}`);
    }
    rdnTexts.push(parts.join('+'));
  }
  return { dn: rdnTexts.reverse().join(','), fields: fields as SubjectFields, attributes };
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SUBJECT_ALT_NAME = '2.5.29.17';

function readRequestedSans(
  attributes: readonly { type: string; values: ArrayBuffer[] }[],
): SubjectAlternativeNameEntry[] {
  const requests = attributes.filter((a) => a.type === EXTENSION_REQUEST);
  if (requests.length === 0) return [];
  if (requests.length > 1 || requests[0].values.length !== 1)
    refuse('extension-request', 'more than one extensionRequest attribute or value');
  let extensions: Extensions;
  try {
    extensions = AsnParser.parse(requests[0].values[0], Extensions);
  } catch {
    refuse('extension-request', 'the extensionRequest attribute is not a list of extensions');
  }
  const seen = new Set<string>();
  for (const extension of extensions) {
    if (seen.has(extension.extnID))
      refuse('extension-request', `extension ${extension.extnID} is requested twice`, {
        extension: extension.extnID,
      });
    seen.add(extension.extnID);
  }
  const san = extensions.find((e) => e.extnID === SUBJECT_ALT_NAME);
  if (!san) return [];
  let names: SubjectAlternativeName;
  try {
    names = AsnParser.parse(san.extnValue.buffer, SubjectAlternativeName);
  } catch {
    refuse('extension-request', 'the subjectAltName extension cannot be read');
  }
  if (names.length === 0) refuse('san-value', 'the subjectAltName extension names nothing');
  // A plain array: mapping the ASN.1 list itself would give another ASN.1 list (Array's species), which
  // @peculiar/x509 then takes for encoded names (regression: issuing for a CSR with SANs failed).
  return Array.from(names, (name): SubjectAlternativeNameEntry => {
    if (name.dNSName !== undefined) return { type: 'DNS', value: name.dNSName };
    if (name.rfc822Name !== undefined) return { type: 'EMAIL', value: name.rfc822Name };
    if (name.uniformResourceIdentifier !== undefined)
      return { type: 'URI', value: name.uniformResourceIdentifier };
    if (name.iPAddress !== undefined) {
      // 4 or 16 octets; other lengths (the address/mask pairs of name constraints) are not an address.
      if (isIP(name.iPAddress) === 0)
        refuse('san-value', 'an IP address SAN that is not 4 or 16 octets', {
          type: 'IP',
          value: name.iPAddress,
        });
      return { type: 'IP', value: name.iPAddress };
    }
    const type = Object.keys(name).find((k) => (name as unknown as Record<string, unknown>)[k] !== undefined);
    return refuse('san-type', `a ${type ?? 'unknown'} SAN; only DNS, IP, email and URI names are accepted`, {
      type: type ?? 'unknown',
    });
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
