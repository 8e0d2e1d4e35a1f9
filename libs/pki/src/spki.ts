/**
 * Reads a SubjectPublicKeyInfo ourselves instead of asking node:crypto what it holds. The key checks must
 * judge the bytes a client sent: node imports a key through OpenSSL, which already refuses some bad keys
 * (an EC point off its curve) and accepts others silently, so a check that only saw a KeyObject could not
 * be tested against the keys OpenSSL refuses, and would name algorithms in OpenSSL's vocabulary.
 */
import { AsnParser } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import * as asn1js from 'asn1js';

export type PublicKeyDescription =
  | {
      readonly kind: 'RSA';
      readonly modulus: bigint;
      readonly publicExponent: bigint;
      readonly modulusBits: number;
    }
  | { readonly kind: 'EC'; readonly curve: string; readonly point: Uint8Array }
  | { readonly kind: 'other'; readonly algorithm: string };

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** Key algorithms a client may send that are not RSA or EC, by the name a refusal should give. */
const OTHER_KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.7': 'RSAES-OAEP',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.10046.2.1': 'DH',
  '1.2.840.113549.1.3.1': 'DH',
  '1.2.156.10197.1.301': 'SM2',
};

/** Named curves by OID; the names are the NIST ones where there is one. */
const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.33': 'P-224',
  '1.2.840.10045.3.1.1': 'P-192',
  '1.3.132.0.10': 'secp256k1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};

export class UnreadableKeyError extends Error {}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

/**
 * Parses exactly one DER value of `target`'s schema: asn1js stops at the first complete value, so bytes
 * after it are checked here (a CSR or key with a tail is not the thing that was signed or shown).
 */
export function parseDer<T>(der: Uint8Array, target: new () => T): T {
  const buffer = der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
  const parsed = asn1js.fromBER(buffer);
  if (parsed.offset === -1 || parsed.result.error)
    throw new UnreadableKeyError(parsed.result.error || 'not ASN.1');
  if (parsed.offset !== der.byteLength) throw new UnreadableKeyError('bytes after the ASN.1 value');
  // DER is canonical: what asn1js re-encodes must be the input (catches indefinite and long-form lengths).
  if (!Buffer.from(parsed.result.toBER()).equals(Buffer.from(der))) throw new UnreadableKeyError('not DER');
  return AsnParser.fromASN(parsed.result, target);
}

/** AlgorithmIdentifier parameters that are absent, or (where `nullAllowed`) an ASN.1 NULL. */
export function isAbsentOrNull(parameters: ArrayBuffer | null | undefined, nullAllowed = true): boolean {
  if (parameters === undefined || parameters === null) return true;
  const bytes = new Uint8Array(parameters);
  return nullAllowed && bytes.length === 2 && bytes[0] === 0x05 && bytes[1] === 0x00;
}

/** What `spki` (DER) holds; UnreadableKeyError when it is not a well-formed key of the algorithm it names. */
export function describePublicKey(spki: Uint8Array): PublicKeyDescription {
  let info: SubjectPublicKeyInfo;
  try {
    info = parseDer(spki, SubjectPublicKeyInfo);
  } catch (error) {
    throw error instanceof UnreadableKeyError ? error : new UnreadableKeyError('not a SubjectPublicKeyInfo');
  }
  const oid = info.algorithm.algorithm;
  const keyBytes = new Uint8Array(info.subjectPublicKey);
  if (oid === RSA_ENCRYPTION) {
    if (!isAbsentOrNull(info.algorithm.parameters))
      throw new UnreadableKeyError('rsaEncryption with parameters');
    let rsa: RSAPublicKey;
    try {
      rsa = parseDer(keyBytes, RSAPublicKey);
    } catch {
      throw new UnreadableKeyError('not an RSAPublicKey');
    }
    const modulusBytes = new Uint8Array(rsa.modulus);
    const exponentBytes = new Uint8Array(rsa.publicExponent);
    // INTEGERs are signed: a high first bit without a leading zero byte is a negative number.
    if ((modulusBytes[0] ?? 0) & 0x80 || (exponentBytes[0] ?? 0) & 0x80)
      throw new UnreadableKeyError('negative RSA integer');
    const modulus = bigintFromBytes(modulusBytes);
    return {
      kind: 'RSA',
      modulus,
      publicExponent: bigintFromBytes(exponentBytes),
      modulusBits: bitLength(modulus),
    };
  }
  if (oid === EC_PUBLIC_KEY) {
    const parameters = info.algorithm.parameters ? new Uint8Array(info.algorithm.parameters) : undefined;
    return { kind: 'EC', curve: curveName(parameters), point: keyBytes };
  }
  return { kind: 'other', algorithm: OTHER_KEY_ALGORITHMS[oid] ?? oid };
}

function curveName(parameters: Uint8Array | undefined): string {
  if (!parameters || parameters.length === 0) throw new UnreadableKeyError('EC key without curve parameters');
  const parsed = asn1js.fromBER(
    parameters.buffer.slice(
      parameters.byteOffset,
      parameters.byteOffset + parameters.byteLength,
    ) as ArrayBuffer,
  );
  if (parsed.result instanceof asn1js.ObjectIdentifier) {
    const oid = parsed.result.valueBlock.toString();
    return CURVES[oid] ?? oid;
  }
  // specifiedCurve (explicit parameters) or implicitCurve: RFC 5480 forbids both in certificates.
  return 'explicit curve parameters';
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}
