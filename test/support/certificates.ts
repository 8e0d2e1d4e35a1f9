import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed PEM certificate valid between the given instants, for tests only. */
export async function createTestCertificate(
  options: {
    commonName?: string;
    notBefore?: Date;
    notAfter?: Date;
  } = {},
): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: `CN=${options.commonName ?? 'certm3 test'}`,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600 * 1000),
    signingAlgorithm: algorithm,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
  });
  return certificate.toString('pem');
}

/**
 * A certificate whose notAfter is not a time (UTCTime "491331000000Z", month 13): X.509 parsers accept the
 * structure, and Node reports its validTo as "Bad time value". For the refusal such input must get.
 */
export async function createCertificateWithUnreadableValidity(): Promise<string> {
  const pem = await createTestCertificate({ notAfter: new Date('2049-12-31T00:00:00Z') });
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  der.write('491331000000Z', der.indexOf(Buffer.from('491231000000Z')), 'latin1');
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}
