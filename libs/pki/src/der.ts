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
