/**
 * The OCSP reader and writer against openssl: requests made by `openssl ocsp -reqout` are parsed, answered
 * by a delegated responder (a certificate written here) or by the CA itself, and the answers checked by
 * `openssl ocsp -respin -CAfile` as a relying party would; malformed requests are refused, never crash.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certIdHashes,
  MalformedOcspRequest,
  ocspErrorResponse,
  parseOcspRequest,
  responderKeyHash,
  subjectPublicKeyBits,
  writeOcspResponse,
  writeResponderCertificate,
} from '@certm3/pki';
import { X509Certificate } from 'node:crypto';
import { OpensslAuthority, opensslAuthority, pemOf } from './testing/openssl-authority';

describe('OCSP with openssl', () => {
  let ca: OpensslAuthority;
  beforeAll(() => {
    ca = opensslAuthority(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    ca.leaf('leaf', '3c4d5e');
  });
  afterAll(() => ca.remove());
  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const caSpki = () =>
    new X509Certificate(ca.certificateDer).publicKey.export({ type: 'spki', format: 'der' });

  const request = (...extra: string[]) => {
    ca.openssl('ocsp', ...extra, '-issuer', 'ca.pem', '-cert', 'leaf.pem', '-reqout', 'request.der');
    return parseOcspRequest(readFileSync(join(ca.dir, 'request.der')));
  };

  it('reads what openssl asks: the CertID by the issuer’s hashes and the serial, and the nonce', () => {
    const parsed = request();
    expect(parsed.items).toHaveLength(1);
    const [item] = parsed.items;
    expect(item.hash).toBe('sha1');
    expect(item.serialNumber?.toString('hex')).toBe('3c4d5e');
    const hashes = certIdHashes({
      subject: ca.profile.subject,
      subjectPublicKey: subjectPublicKeyBits(caSpki()),
    });
    expect(item.issuerNameHash).toEqual(hashes.sha1.nameHash);
    expect(item.issuerKeyHash).toEqual(hashes.sha1.keyHash);
    expect(parsed.nonceExtension).toBeDefined();
    expect(request('-no_nonce').nonceExtension).toBeUndefined();
    const sha256 = request('-no_nonce', '-sha256').items[0];
    expect(sha256.hash).toBe('sha256');
    expect(sha256.issuerKeyHash).toEqual(hashes.sha256.keyHash);
  });

  it('answers through a delegated responder openssl verifies: revoked with its reason, nonce echoed', async () => {
    const parsed = request();
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' });
    const responder = await writeResponderCertificate({
      issuer: ca.profile,
      subject: { commonName: 'Revocation CA OCSP Responder', organization: 'certm3 tests', country: 'DE' },
      publicKey,
      notBefore: new Date(now().getTime() - 60_000),
      notAfter: new Date(now().getTime() + 3600_000),
    });
    ca.write('responder.pem', pemOf('CERTIFICATE', responder.der));
    const text = ca.openssl('x509', '-in', 'responder.pem', '-noout', '-text');
    expect(text).toContain('OCSP Signing');
    expect(text).toContain('OCSP No Check');
    expect(ca.openssl('verify', '-CAfile', 'ca.pem', '-purpose', 'ocsphelper', 'responder.pem')).toContain(
      'OK',
    );
    const response = await writeOcspResponse({
      signer: {
        privateKey: keys.privateKey,
        signatureAlgorithm: 'ecdsa-with-SHA256',
        keyHash: responderKeyHash(publicKey),
        certificates: [responder.der],
      },
      producedAt: now(),
      responses: [
        {
          certId: parsed.items[0].certId,
          certificateStatus: {
            status: 'revoked',
            revokedAt: new Date('2026-05-06T07:08:09Z'),
            reasonCode: 1,
          },
          thisUpdate: now(),
          nextUpdate: new Date(now().getTime() + 3600_000),
        },
      ],
      nonceExtension: parsed.nonceExtension,
    });
    ca.write('response.der', response);
    // The request's own nonce: openssl checks the response echoes it.
    const checked = ca.opensslAnyway(
      'ocsp',
      '-reqin',
      'request.der',
      '-respin',
      'response.der',
      '-CAfile',
      'ca.pem',
      '-resp_text',
    );
    expect(checked).toContain('Response verify OK');
    expect(checked).not.toContain('Nonce Verify error');
    expect(checked).toContain('OCSP Nonce');
    expect(checked).toContain('Cert Status: revoked');
    expect(checked).toContain('Revocation Reason: keyCompromise (0x1)');
    expect(checked).toContain('Revocation Time: May  6 07:08:09 2026 GMT');
    const byCertificate = ca.opensslAnyway(
      'ocsp',
      '-no_nonce',
      '-respin',
      'response.der',
      '-issuer',
      'ca.pem',
      '-cert',
      'leaf.pem',
      '-CAfile',
      'ca.pem',
    );
    expect(byCertificate).toContain('leaf.pem: revoked');
    expect(byCertificate).toContain('Reason: keyCompromise');
  });

  it('answers signed by the CA itself, good and unknown', async () => {
    const parsed = request('-no_nonce');
    const signer = {
      privateKey: ca.profile.privateKey,
      signatureAlgorithm: ca.profile.signatureAlgorithm,
      keyHash: responderKeyHash(caSpki()),
      certificates: [],
    };
    for (const status of ['good', 'unknown'] as const) {
      const response = await writeOcspResponse({
        signer,
        producedAt: now(),
        responses: [
          {
            certId: parsed.items[0].certId,
            certificateStatus: { status },
            thisUpdate: now(),
            nextUpdate: new Date(now().getTime() + 3600_000),
          },
        ],
      });
      ca.write(`${status}.der`, response);
      const checked = ca.opensslAnyway(
        'ocsp',
        '-no_nonce',
        '-respin',
        `${status}.der`,
        '-issuer',
        'ca.pem',
        '-cert',
        'leaf.pem',
        '-CAfile',
        'ca.pem',
      );
      expect(checked).toContain('Response verify OK');
      expect(checked).toContain(`leaf.pem: ${status}`);
    }
  });

  it('refuses malformed requests as such, and writes the unsigned error statuses', () => {
    const good = (request('-no_nonce'), readFileSync(join(ca.dir, 'request.der')));
    const malformed = [
      Buffer.alloc(0),
      Buffer.from('not der at all'),
      good.subarray(0, good.length - 3),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.from([0x30, 0x80, 0x00, 0x00]),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x30, 0x02, 0x30, 0x00]),
      Buffer.from([0x30, 0x04, 0x30, 0x02, 0x30, 0x00]),
    ];
    for (const bytes of malformed) expect(() => parseOcspRequest(bytes)).toThrow(MalformedOcspRequest);
    for (let cut = 1; cut < good.length; cut += 7) {
      const flipped = Buffer.from(good);
      flipped[cut] ^= 0xff;
      try {
        parseOcspRequest(flipped);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedOcspRequest);
      }
    }
    ca.write('malformed.der', ocspErrorResponse('malformedRequest'));
    expect(ca.opensslAnyway('ocsp', '-respin', 'malformed.der', '-resp_text')).toContain(
      'malformedrequest (1)',
    );
  });
});
