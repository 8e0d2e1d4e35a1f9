import { createHash, KeyObject } from 'node:crypto';
import {
  IssuerProfile,
  keyIdentifierOf,
  LeafName,
  encodeName,
  randomSerialNumber,
} from './certificate-writer';
import {
  boolean,
  contextTag,
  nullValue,
  octetString,
  oid,
  readChildrenStrict,
  readStrict,
  sequence,
  smallInteger,
  time,
  unsignedInteger,
} from './der';
import { signatureAlgorithmIdentifier, signStructure } from './signing';

/**
 * The certificate of a delegated OCSP responder (RFC 6960 §4.2.2.2): issued by the CA whose certificates
 * it answers for, for a key that lives only in the responder's memory, with id-kp-OCSPSigning and
 * id-pkix-ocsp-nocheck (clients do not ask about the responder itself: it is short-lived and renewed
 * instead), keyUsage digitalSignature only, CA:false.
 */

/** The subjectPublicKey BIT STRING's bits of a SubjectPublicKeyInfo (what CertIDs and KeyHashes hash). */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  const top = readStrict(spki);
  const [, key] = readChildrenStrict(spki, top);
  if (!key || key.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return Buffer.from(spki.subarray(key.start + 1, key.end));
}

/** SHA-1 of a key's bits: the ResponderID byKey of whoever signs with it. */
export function responderKeyHash(spki: Buffer): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}

export interface ResponderCertificateToSign {
  readonly issuer: IssuerProfile;
  readonly subject: LeafName;
  /** The responder key's SubjectPublicKeyInfo, DER. */
  readonly publicKey: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialNumber?: Buffer;
}

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

export async function writeResponderCertificate(
  certificate: ResponderCertificateToSign,
): Promise<{ readonly der: Buffer; readonly serialNumber: Buffer }> {
  const serialNumber = certificate.serialNumber ?? randomSerialNumber();
  const signatureAlgorithm = signatureAlgorithmIdentifier(certificate.issuer.signatureAlgorithm);
  const tbs = sequence(
    contextTag(0, smallInteger(2), true),
    unsignedInteger(serialNumber),
    signatureAlgorithm,
    certificate.issuer.subject,
    sequence(time(certificate.notBefore), time(certificate.notAfter)),
    encodeName(certificate.subject),
    certificate.publicKey,
    contextTag(
      3,
      sequence(
        extension('2.5.29.19', true, sequence()),
        extension('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x07, 0x80])), // digitalSignature
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.9'))), // id-kp-OCSPSigning
        extension('1.3.6.1.5.5.7.48.1.5', false, nullValue()), // id-pkix-ocsp-nocheck
        extension('2.5.29.14', false, octetString(keyIdentifierOf(certificate.publicKey))),
        extension('2.5.29.35', false, sequence(contextTag(0, certificate.issuer.keyIdentifier, false))),
      ),
      true,
    ),
  );
  return { der: await signStructure(certificate.issuer, tbs), serialNumber };
}

/** What signs responses: a private key, its signature algorithm, the public key (SPKI, DER). */
export interface ResponderKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

/** A certificate's subject Name and SubjectPublicKeyInfo, DER, as it encodes them (no key needed). */
export function certificateSubject(certificateDer: Buffer): {
  readonly subject: Buffer;
  readonly spki: Buffer;
} {
  const [tbs] = readChildrenStrict(certificateDer, readStrict(certificateDer));
  const fields = readChildrenStrict(certificateDer, tbs);
  const offset = fields[0].tag === 0xa0 ? 1 : 0; // [0] version, present in v3
  return { subject: Buffer.from(fields[offset + 4].raw), spki: Buffer.from(fields[offset + 5].raw) };
}
