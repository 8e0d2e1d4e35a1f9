import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { issuerProfile, randomSerialNumber, writeLeafCertificate } from '@certm3/pki';
import { opensslP256Request } from '../../../../libs/pki/src/testing/openssl-authority';
import {
  buildAuthorityCertificate,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
  newSerialNumber,
} from './certificate-builder';

/** openssl is the outside client: what a relying party's TLS stack would accept or refuse. */
describe('certificates certm3 builds, as openssl reads them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certm3-x509-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir }).toString();
  const now = new Date();

  it('builds a root, an intermediate and a leaf for a CSR made by openssl, which openssl verifies', async () => {
    const rootKeys = await generateKeyPair('ECDSA_P384');
    const root = await buildAuthorityCertificate({
      subject: { commonName: 'certm3 Test Root', organization: 'certm3', country: 'DE' },
      keys: rootKeys,
      validityDays: 3650,
      now,
      pathLength: 1,
    });
    const intermediateKeys = await generateKeyPair('RSA_2048');
    const intermediate = await buildAuthorityCertificate({
      subject: { commonName: 'certm3 Test Issuing CA', organization: 'certm3' },
      keys: intermediateKeys,
      validityDays: 1825,
      now,
      pathLength: 0,
      issuer: { certificate: root.certificate, privateKey: rootKeys.privateKey },
    });
    // The requester keeps their key: openssl makes it and the CSR.
    opensslP256Request(openssl, 'leaf', 'www.example.com');
    const csr = new x509.Pkcs10CertificateRequest(execFileSync('cat', [join(dir, 'leaf.csr')]).toString());
    // The leaf as issuance writes it (libs/pki's writer), under the intermediate this builder made.
    const leafDer = await writeLeafCertificate({
      issuer: issuerProfile(
        Buffer.from(intermediate.certificate.rawData),
        KeyObject.from(intermediateKeys.privateKey),
      ),
      serialNumber: randomSerialNumber(),
      subject: { commonName: 'www.example.com' },
      subjectAlternativeNames: [
        { type: 'DNS', value: 'www.example.com' },
        { type: 'DNS', value: 'example.com' },
        { type: 'IP', value: '192.168.1.1' },
      ],
      publicKey: Buffer.from(csr.publicKey.rawData),
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 90 * 86_400_000),
      keyUsages: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsages: ['serverAuth', 'clientAuth'],
      crlDistributionPoint: 'http://localhost:3002/crl/b1d3c0de-0000-4000-8000-000000000001.crl',
      ocsp: 'http://localhost:3002/ocsp',
      caIssuers: 'http://localhost:3002/ca/b1d3c0de-0000-4000-8000-000000000001.crt',
    });
    const leaf = { pem: new x509.X509Certificate(leafDer).toString('pem') };
    file('root.pem', root.pem);
    file('intermediate.pem', intermediate.pem);
    file('leaf.pem', leaf.pem);
    expect(openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', 'leaf.pem')).toContain(
      'leaf.pem: OK',
    );
    expect(openssl('verify', '-CAfile', 'root.pem', 'intermediate.pem')).toContain('intermediate.pem: OK');

    const text = openssl('x509', '-in', 'leaf.pem', '-noout', '-text');
    expect(text).toContain('DNS:www.example.com, DNS:example.com, IP Address:192.168.1.1');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('URI:http://localhost:3002/crl/b1d3c0de-0000-4000-8000-000000000001.crl');
    expect(text).toContain('OCSP - URI:http://localhost:3002/ocsp');
    expect(text).toContain(
      'CA Issuers - URI:http://localhost:3002/ca/b1d3c0de-0000-4000-8000-000000000001.crt',
    );
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toContain('X509v3 Authority Key Identifier');
    // The leaf's key is the requester's: their private key matches the certificate.
    expect(openssl('x509', '-in', 'leaf.pem', '-noout', '-pubkey')).toBe(
      openssl('pkey', '-in', 'leaf.key', '-pubout'),
    );

    const caText = openssl('x509', '-in', 'intermediate.pem', '-noout', '-text');
    expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(caText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(intermediate.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
  });

  it('round-trips a CA key through PKCS#8, as the key vault stores it', async () => {
    const keys = await generateKeyPair('ECDSA_P256');
    const pkcs8 = await exportPrivateKey(keys.privateKey);
    const again = await importPrivateKey(pkcs8, 'ECDSA_P256');
    const root = await buildAuthorityCertificate({
      subject: { commonName: 'reimported' },
      keys: { publicKey: keys.publicKey, privateKey: again },
      validityDays: 30,
      now,
      pathLength: null,
    });
    file('reimported.pem', root.pem);
    expect(openssl('verify', '-CAfile', 'reimported.pem', 'reimported.pem')).toContain('OK');
  });

  it('draws serials that do not repeat', () => {
    const serials = new Set(Array.from({ length: 10_000 }, newSerialNumber));
    expect(serials.size).toBe(10_000);
  });
});
