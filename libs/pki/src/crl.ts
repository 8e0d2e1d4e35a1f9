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

/** The reasonCode extension, whole, per code: the same few bytes for every entry with that reason. */
const reasonExtensions = new Map<number, Buffer>();
function reasonExtension(code: number): Buffer {
  let known = reasonExtensions.get(code);
  if (!known) reasonExtensions.set(code, (known = extension('2.5.29.21', enumerated(code))));
  return known;
}
/** The invalidityDate extension up to its GeneralizedTime's 15 digits, which follow it. */
const INVALIDITY_PREFIX = extension('2.5.29.24', generalizedTime(new Date(0))).subarray(0, -15);

/** YYYYMMDDHHMMSSZ of an instant (GeneralizedTime's digits; UTCTime's are the last 13). */
function timeDigits(at: Date, into: Buffer, offset: number, utc: boolean): number {
  const text = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  let write = offset;
  for (let index = utc ? 2 : 0; index < 19; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0x30 && code <= 0x39) into[write++] = code;
  }
  into[write++] = 0x5a; // Z
  return write;
}

/**
 * One `revokedCertificates` entry — serial, revocation date (UTCTime through 2049, as §5.1.2.6 says),
 * reason code and invalidity date extensions — written into one buffer: pki-http encodes one per revoked
 * certificate as it reads the log, 100,000 of them at start-up for a large authority.
 */
export function encodeCrlEntry(entry: CrlEntry): Buffer {
  let serialStart = 0;
  const serial = entry.serialNumber;
  while (serialStart < serial.length - 1 && serial[serialStart] === 0 && serial[serialStart + 1] < 0x80)
    serialStart += 1;
  const serialPad = serial[serialStart] >= 0x80 ? 1 : 0;
  const serialLength = serial.length - serialStart + serialPad;
  const utc = entry.revocationDate.getUTCFullYear() < 2050;
  const timeLength = utc ? 13 : 15;
  const reason =
    entry.reasonCode !== undefined && entry.reasonCode !== UNSPECIFIED
      ? reasonExtension(entry.reasonCode)
      : undefined;
  const invalidityLength = entry.invalidityDate ? INVALIDITY_PREFIX.length + 15 : 0;
  const extensionsLength = (reason?.length ?? 0) + invalidityLength;
  const body =
    2 +
    serialLength +
    2 +
    timeLength +
    (extensionsLength > 0 ? lengthOfHeader(extensionsLength) + extensionsLength : 0);
  if (serialLength > 126) return encodeCrlEntrySlowly(entry); // never for certm3's 16-byte serials
  const out = Buffer.allocUnsafe(lengthOfHeader(body) + body);
  let at = writeHeader(out, 0, 0x30, body);
  out[at++] = 0x02;
  out[at++] = serialLength;
  if (serialPad) out[at++] = 0;
  at += serial.copy(out, at, serialStart);
  out[at++] = utc ? 0x17 : 0x18;
  out[at++] = timeLength;
  at = timeDigits(entry.revocationDate, out, at, utc);
  if (extensionsLength > 0) {
    at = writeHeader(out, at, 0x30, extensionsLength);
    if (reason) at += reason.copy(out, at);
    if (entry.invalidityDate) {
      at += INVALIDITY_PREFIX.copy(out, at);
      at = timeDigits(entry.invalidityDate, out, at, false);
    }
  }
  return out;
}

function lengthOfHeader(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : 4;
}

function writeHeader(out: Buffer, at: number, tag: number, length: number): number {
  out[at++] = tag;
  if (length >= 0x100) {
    out[at++] = 0x82;
    out[at++] = length >> 8;
  } else if (length >= 0x80) out[at++] = 0x81;
  out[at++] = length & 0xff;
  return at;
}

/** The same entry through the general encoder (serials longer than any certm3 writes). */
function encodeCrlEntrySlowly(entry: CrlEntry): Buffer {
  const extensions: Buffer[] = [];
  if (entry.reasonCode !== undefined && entry.reasonCode !== UNSPECIFIED)
    extensions.push(reasonExtension(entry.reasonCode));
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
