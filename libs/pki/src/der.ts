/**
 * The few DER encodings an X.509 certificate needs, written out directly (ITU-T X.690). certm3 issues
 * hundreds of certificates a second, and a general ASN.1 library spends milliseconds per certificate on
 * what is a handful of tag-length-value concatenations; every output is checked by openssl in the tests.
 */

export function tlv(tag: number, content: Uint8Array): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]) => tlv(0x31, Buffer.concat(items));
export const octetString = (content: Uint8Array) => tlv(0x04, content);
export const nullValue = () => Buffer.from([0x05, 0x00]);
export const boolean = (value: boolean) => Buffer.from([0x01, 0x01, value ? 0xff : 0x00]);
/** A context-specific tag [n]: constructed (EXPLICIT, or IMPLICIT of a constructed type) or primitive. */
export const contextTag = (n: number, content: Uint8Array, constructed: boolean) =>
  tlv((constructed ? 0xa0 : 0x80) | n, content);

/** A BIT STRING of whole bytes (a key, a signature): no unused bits. */
export const bitString = (content: Uint8Array) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

/** An INTEGER from its unsigned big-endian bytes: a leading zero keeps it positive, none is kept redundant. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start += 1;
  const trimmed = Buffer.from(bytes.subarray(start));
  return tlv(0x02, trimmed[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (value: number) => unsignedInteger(Buffer.from([value]));

const oids = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  const known = oids.get(dotted);
  if (known) return known;
  const arcs = dotted.split('.').map(Number);
  const bytes = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const base128 = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128))
      base128.unshift(0x80 | (rest & 0x7f));
    bytes.push(...base128);
  }
  const encoded = tlv(0x06, Buffer.from(bytes));
  oids.set(dotted, encoded);
  return encoded;
}

export const utf8String = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'));
export const printableString = (value: string) => tlv(0x13, Buffer.from(value, 'ascii'));
export const ia5String = (value: string) => Buffer.from(value, 'ascii');

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, to the second, in UTC. */
export function time(at: Date): Buffer {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return at.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** The value of a DER element at `offset` of `der`: its tag, where its content starts and ends. */
export function readElement(der: Uint8Array, offset = 0): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + der[start + index];
    start += count;
  }
  return { tag, start, end: start + length };
}

/** GeneralizedTime to the second, in UTC: what OCSP and the CRL invalidity date always use (RFC 6960, 5280 5.3.2). */
export function generalizedTime(at: Date): Buffer {
  const iso = at.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x18, Buffer.from(digits, 'ascii'));
}

export const enumerated = (value: number) => tlv(0x0a, Buffer.from([value]));

/** A non-negative INTEGER from a number or bigint (a CRL number). */
export function integer(value: number | bigint): Buffer {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return unsignedInteger(Buffer.from(hex, 'hex'));
}

/**
 * `tag` around parts that are already encoded, in one allocation: a CRL's list of 100,000 entries is
 * megabytes, and concatenating it twice (the parts, then the header) is measurable.
 */
export function tlvOfParts(tag: number, parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const lengthBytes: number[] = [];
  if (length >= 0x80)
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = Buffer.allocUnsafe(header.length + length);
  out.set(header, 0);
  let at = header.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** What a strict reader found: a DER element's tag, where its content starts and ends, and where it ends. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
  /** The element whole, header included. */
  readonly raw: Buffer;
}

export class DerError extends Error {}

/**
 * Reads the DER element at `offset` of `der`, which must end by `limit`, for input nobody vouches for (an
 * OCSP request off the network): definite lengths only, in their shortest form, inside the buffer; no
 * high tag numbers. Anything else is a DerError, never a read past the end.
 */
export function readStrict(der: Buffer, offset = 0, limit = der.length): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let length = der[offset + 1];
  let start = offset + 2;
  if (length === 0x80) throw new DerError('indefinite length is not DER');
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count > 4 || start + count > limit) throw new DerError('bad length');
    if (der[start] === 0) throw new DerError('length not in its shortest form');
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + der[start + index];
    if (length < 0x80) throw new DerError('length not in its shortest form');
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { tag, start, end, raw: der.subarray(offset, end) };
}

/** The elements inside a constructed element, each read strictly; they must fill it exactly. */
export function readChildrenStrict(der: Buffer, parent: DerElement): DerElement[] {
  const items: DerElement[] = [];
  for (let at = parent.start; at < parent.end;) {
    const element = readStrict(der, at, parent.end);
    items.push(element);
    at = element.end;
  }
  return items;
}
