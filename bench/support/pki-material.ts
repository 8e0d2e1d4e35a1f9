/**
 * What clients bring to issuance and registration, made before any timing starts: PKCS#10 requests for
 * P-256 keys of their own (what `openssl req` sends: the name as subject and DNS SAN, ecdsa-with-SHA256),
 * and distinct certificates to register (each PEM may be registered once only: a second time is refused
 * with CERTIFICATE_ALREADY_KNOWN).
 *
 * Both are DER put together here and signed by node:crypto: @peculiar/x509's generators take 3–4 ms each,
 * and a run needs thousands; this takes a few hundredths of a millisecond.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { CertificateFacts } from '@certm3/domain';

function length(bytes: number): Buffer {
  if (bytes < 0x80) return Buffer.from([bytes]);
  if (bytes < 0x100) return Buffer.from([0x81, bytes]);
  return Buffer.from([0x82, bytes >> 8, bytes & 0xff]);
}
const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...content: Buffer[]) => tlv(0x30, ...content);
const hex = (bytes: string) => Buffer.from(bytes.replace(/ /g, ''), 'hex');

const COMMON_NAME = hex('06 03 55 04 03'); // 2.5.4.3
const ECDSA_WITH_SHA256 = sequence(hex('06 08 2a 86 48 ce 3d 04 03 02')); // 1.2.840.10045.4.3.2, no parameters
const EXTENSION_REQUEST = hex('06 09 2a 86 48 86 f7 0d 01 09 0e'); // 1.2.840.113549.1.9.14
const SUBJECT_ALT_NAME = hex('06 03 55 1d 11'); // 2.5.29.17

/** A Name of one CN, as a UTF8String. */
const nameOf = (commonName: string) =>
  sequence(tlv(0x31, sequence(COMMON_NAME, tlv(0x0c, Buffer.from(commonName, 'utf8')))));

/** The signed structure: `toBeSigned`, the algorithm, and the ECDSA signature (DER) as a bit string. */
const signed = (toBeSigned: Buffer, privateKey: KeyObject) =>
  sequence(
    toBeSigned,
    ECDSA_WITH_SHA256,
    tlv(0x03, Buffer.from([0]), sign('sha256', toBeSigned, privateKey)),
  );

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiOf = (keys: { publicKey: KeyObject }) => keys.publicKey.export({ type: 'spki', format: 'der' });

/** A CSR for `<prefix>-<n>.example.com`, each for a P-256 key of its own, with the name as a DNS SAN. */
export function p256CertificateRequests(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => {
    const host = `${prefix}-${index}.example.com`;
    const keys = p256();
    const sans = sequence(tlv(0x82, Buffer.from(host, 'ascii')));
    const extensions = sequence(sequence(SUBJECT_ALT_NAME, tlv(0x04, sans)));
    const attributes = tlv(0xa0, sequence(EXTENSION_REQUEST, tlv(0x31, extensions)));
    const info = sequence(hex('02 01 00'), nameOf(host), spkiOf(keys), attributes);
    return pem('CERTIFICATE REQUEST', signed(info, keys.privateKey));
  });
}

const utcTime = (at: Date) =>
  tlv(0x17, Buffer.from(`${at.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));

/** A certificate made here, with the facts CertificateRegistered records of it (as node:crypto reads them). */
export interface MadeCertificate extends CertificateFacts {
  readonly pem: string;
}

/**
 * Self-signed v3 certificates, each with a serial and a name of its own (one key for all: registration
 * reads a certificate, it never checks the key is new), so every PEM is another certificate.
 */
export function madeCertificates(count: number): MadeCertificate[] {
  const keys = p256();
  const spki = spkiOf(keys);
  // UTCTime has whole seconds.
  const second = (at: number) => new Date(Math.floor(at / 1000) * 1000);
  const [notBefore, notAfter] = [second(Date.now() - 60_000), second(Date.now() + 365 * 86_400_000)];
  const validity = sequence(utcTime(notBefore), utcTime(notAfter));
  return Array.from({ length: count }, (_, index) => {
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive, and no leading zero byte
    const commonName = `registered-${index}`;
    const name = nameOf(commonName);
    const tbs = sequence(
      tlv(0xa0, hex('02 01 02')),
      tlv(0x02, serial),
      ECDSA_WITH_SHA256,
      name,
      validity,
      name,
      spki,
    );
    const der = signed(tbs, keys.privateKey);
    return {
      pem: pem('CERTIFICATE', der),
      serialNumber: serial.toString('hex').toUpperCase(),
      subject: `CN=${commonName}`,
      issuer: `CN=${commonName}`,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':'),
    };
  });
}

/** The PEMs of madeCertificates: distinct certificates to register. */
export function distinctCertificates(count: number): string[] {
  return madeCertificates(count).map((certificate) => certificate.pem);
}
