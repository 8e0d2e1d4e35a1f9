/**
 * The certificate writer against openssl: an authority made by openssl (RSA-3072 and P-384), leaves for
 * keys of every accepted kind with every SAN type, verified and read back by `openssl verify` and
 * `openssl x509 -text` as a relying party would.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issuerProfile, randomSerialNumber, writeLeafCertificate } from '@certm3/pki';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certm3-writer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

describe.each([
  ['RSA-3072', ['-newkey', 'rsa:3072'], 'sha256WithRSAEncryption'],
  ['P-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'ecdsa-with-SHA384'],
])('leaves under an openssl %s authority', (name, keyArgs, signature) => {
  it.each([
    ['P-256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA-2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
  ])('writes a %s leaf openssl verifies and reads as written', async (leafName, leafArgs) => {
    const tag = `${name}-${leafName}`;
    openssl(
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      `${tag}-ca.key`,
      '-subj',
      '/C=DE/O=certm3 tests/CN=Writer CA',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      `${tag}-ca.pem`,
    );
    openssl('genpkey', ...leafArgs, '-out', `${tag}-leaf.key`);
    const caDer = new X509Certificate(readFileSync(join(dir, `${tag}-ca.pem`))).raw;
    const issuer = issuerProfile(caDer, createPrivateKey(readFileSync(join(dir, `${tag}-ca.key`))));
    expect(issuer.signatureAlgorithm).toBe(signature);
    const spki = createPublicKey(readFileSync(join(dir, `${tag}-leaf.key`))).export({
      type: 'spki',
      format: 'der',
    });
    const serial = randomSerialNumber();
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const notAfter = new Date('2051-03-04T05:06:07Z'); // after 2049: GeneralizedTime
    const der = await writeLeafCertificate({
      issuer,
      serialNumber: serial,
      subject: { commonName: 'leaf.example.com', organization: 'Ünïcødé GmbH', country: 'DE' },
      subjectAlternativeNames: [
        { type: 'DNS', value: 'leaf.example.com' },
        { type: 'DNS', value: '*.leaf.example.com' },
        { type: 'IP', value: '192.0.2.7' },
        { type: 'IP', value: '2001:db8::1' },
        { type: 'EMAIL', value: 'ops@example.com' },
        { type: 'URI', value: 'spiffe://example.com/leaf' },
      ],
      publicKey: spki,
      notBefore,
      notAfter,
      keyUsages: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsages: ['serverAuth', 'clientAuth'],
      crlDistributionPoint: 'http://pki.example/crl/ca.crl',
      ocsp: 'http://pki.example/ocsp',
      caIssuers: 'http://pki.example/ca/ca.crt',
    });
    writeFileSync(join(dir, `${tag}-leaf.pem`), pem(der));
    expect(openssl('verify', '-CAfile', `${tag}-ca.pem`, `${tag}-leaf.pem`)).toContain(': OK');
    const text = openssl('x509', '-in', `${tag}-leaf.pem`, '-noout', '-text', '-nameopt', 'utf8');
    expect(text).toContain(`Serial Number:`);
    expect(text).toContain('Subject: C=DE, O=Ünïcødé GmbH, CN=leaf.example.com');
    expect(text).toContain('Issuer: C=DE, O=certm3 tests, CN=Writer CA');
    expect(text).toContain('Not After : Mar  4 05:06:07 2051 GMT');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toContain(
      'DNS:leaf.example.com, DNS:*.leaf.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com, URI:spiffe://example.com/leaf',
    );
    expect(text).toContain('URI:http://pki.example/crl/ca.crl');
    expect(text).toContain('OCSP - URI:http://pki.example/ocsp');
    expect(text).toContain('CA Issuers - URI:http://pki.example/ca/ca.crt');
    const parsed = new X509Certificate(der);
    expect(parsed.serialNumber.toLowerCase()).toBe(serial.toString('hex'));
    expect(new Date(parsed.validFrom).getTime()).toBe(notBefore.getTime());
    expect(parsed.checkIssued(new X509Certificate(caDer))).toBe(true);
    // The leaf's AKI is the authority's SKI, and its SKI the SHA-1 of its key bits.
    const ca = openssl('x509', '-in', `${tag}-ca.pem`, '-noout', '-ext', 'subjectKeyIdentifier');
    const caKeyId = ca.split('\n')[1].trim();
    expect(openssl('x509', '-in', `${tag}-leaf.pem`, '-noout', '-ext', 'authorityKeyIdentifier')).toContain(
      caKeyId,
    );
  });
});
