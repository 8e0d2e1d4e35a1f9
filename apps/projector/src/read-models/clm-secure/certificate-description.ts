import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  id_ce_basicConstraints,
  id_ce_subjectAltName,
  SubjectAlternativeName as GeneralNames,
} from '@peculiar/asn1-x509';
import { CertificateDescription, SubjectAlternativeName } from '@certm3/domain';
import { describePublicKey } from '@certm3/pki';
import { ProjectionError } from '@certm3/projection';

/** What an inventory row shows of a certificate, read out of its PEM. */
export interface ReadCertificate extends CertificateDescription {
  /** RFC 4514 order (most significant RDN last), as certm3 writes its issued certificates' DNs. */
  readonly subject: string;
  readonly issuer: string;
}

/** Lower-case hex without separators: the events spell fingerprints and serials both ways. */
export const plainHex = (value: string) => value.replace(/:/g, '').toLowerCase();

const CURVE_BITS: Readonly<Record<string, number>> = {
  'P-192': 192,
  'P-224': 224,
  'P-256': 256,
  'P-384': 384,
  'P-521': 521,
};

/**
 * Reads a certificate's description as CertificateRegistered (schema 2) and CertificateIssued carry it,
 * for the events that predate it (schema 1) and for the authorities' own certificates. Pure: the same PEM
 * gives the same row on every rebuild. A PEM that cannot be read halts the model on its event, as any event
 * the tables cannot take does; the write side parsed every one of them with the same node:crypto first.
 */
export function readCertificatePem(pem: string): ReadCertificate {
  try {
    const certificate = new X509Certificate(pem);
    const { tbsCertificate } = AsnConvert.parse(certificate.raw, Certificate);
    const spki = Buffer.from(AsnConvert.serialize(tbsCertificate.subjectPublicKeyInfo));
    const extension = (oid: string) =>
      tbsCertificate.extensions?.find((found) => found.extnID === oid)?.extnValue.buffer;
    const basicConstraints = extension(id_ce_basicConstraints);
    const names = extension(id_ce_subjectAltName);
    return {
      subject: rfc4514(certificate.subject),
      issuer: rfc4514(certificate.issuer),
      commonName: /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? null,
      subjectAlternativeNames: names ? alternativeNames(AsnConvert.parse(names, GeneralNames)) : [],
      ...publicKeyOf(spki),
      isCa: basicConstraints ? AsnConvert.parse(basicConstraints, BasicConstraints).cA : false,
      publicKeyFingerprint: createHash('sha256').update(spki).digest('hex'),
    };
  } catch (error) {
    throw new ProjectionError(
      `the certificate's PEM cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** node:crypto lists a name's RDNs one a line, most significant first. */
const rfc4514 = (name: string) => name.split('\n').reverse().join(',');

function publicKeyOf(spki: Uint8Array): Pick<CertificateDescription, 'keyAlgorithm' | 'keySize'> {
  try {
    const key = describePublicKey(spki);
    if (key.kind === 'RSA') return { keyAlgorithm: 'RSA', keySize: key.modulusBits };
    if (key.kind === 'EC') return { keyAlgorithm: 'ECDSA', keySize: CURVE_BITS[key.curve] ?? null };
  } catch {
    // A key certm3 cannot read (the write side refuses none on import) is still an `other` key.
  }
  return { keyAlgorithm: 'other', keySize: null };
}

/** The kinds of name seed 001's shape has; others (directory names, otherName) are left out. */
function alternativeNames(names: GeneralNames): SubjectAlternativeName[] {
  return Array.from(names).flatMap((name): SubjectAlternativeName[] => {
    if (name.dNSName !== undefined) return [{ type: 'DNS', value: name.dNSName }];
    if (name.iPAddress !== undefined) return [{ type: 'IP', value: name.iPAddress }];
    if (name.rfc822Name !== undefined) return [{ type: 'EMAIL', value: name.rfc822Name }];
    if (name.uniformResourceIdentifier !== undefined)
      return [{ type: 'URI', value: name.uniformResourceIdentifier }];
    return [];
  });
}
