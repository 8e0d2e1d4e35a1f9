import { IssuerProfile } from './certificate-writer';
import {
  contextTag,
  enumerated,
  generalizedTime,
  integer,
  octetString,
  oid,
  sequence,
  smallInteger,
  time,
  tlvOfParts,
  unsignedInteger,
} from './der';
import { signatureAlgorithmIdentifier, signStructure } from './signing';

/**
 * Full CRLs (RFC 5280 §5), written as DER directly. A CA with 100,000 revoked certificates has a CRL of
 * megabytes that must be signed again within a second of each revocation: each entry is encoded once, when
 * its certificate is revoked (`encodeCrlEntry`), and a CRL is the entries' bytes laid end to end under a
 * new header — no ASN.1 library walks them again.
 */

export interface CrlEntry {
  /** The certificate's serial number, unsigned big-endian. */
  readonly serialNumber: Buffer;
  readonly revocationDate: Date;
  /** An RFC 5280 §5.3.1 reason code (the domain's CRL_REASON_CODES); unspecified (0) is left out, as it asks. */
  readonly reasonCode?: number;
  readonly invalidityDate?: Date;
}

const UNSPECIFIED = 0;

const extension = (id: string, value: Buffer) => sequence(oid(id), octetString(value));

/** One `revokedCertificates` entry: serial, revocation date, reason code and invalidity date extensions. */
export function encodeCrlEntry(entry: CrlEntry): Buffer {
  const extensions: Buffer[] = [];
  if (entry.reasonCode !== undefined && entry.reasonCode !== UNSPECIFIED)
    extensions.push(extension('2.5.29.21', enumerated(entry.reasonCode)));
  if (entry.invalidityDate) extensions.push(extension('2.5.29.24', generalizedTime(entry.invalidityDate)));
  return sequence(
    unsignedInteger(entry.serialNumber),
    time(entry.revocationDate),
    ...(extensions.length > 0 ? [sequence(...extensions)] : []),
  );
}

export interface CrlToSign {
  readonly issuer: IssuerProfile;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Entries as `encodeCrlEntry` wrote them, in any order. */
  readonly entries: readonly Buffer[];
}

/**
 * The CRL, DER: v2, signed by the issuer, with its authority key identifier and cRLNumber (both
 * non-critical, §5.2.1 and §5.2.3). With no entry the revokedCertificates list is absent, as §5.1.2.6 says.
 */
export function writeCrl(crl: CrlToSign): Promise<Buffer> {
  const crlExtensions = sequence(
    extension('2.5.29.35', sequence(contextTag(0, crl.issuer.keyIdentifier, false))),
    extension('2.5.29.20', integer(crl.crlNumber)),
  );
  const tbs = tlvOfParts(0x30, [
    smallInteger(1),
    signatureAlgorithmIdentifier(crl.issuer.signatureAlgorithm),
    crl.issuer.subject,
    time(crl.thisUpdate),
    time(crl.nextUpdate),
    ...(crl.entries.length > 0 ? [tlvOfParts(0x30, crl.entries)] : []),
    contextTag(0, crlExtensions, true),
  ]);
  return signStructure(crl.issuer, tbs);
}
