import { KeyObject } from 'node:crypto';
import { CsrRefusal, parseCertificateRequest } from './csr';
import { fixture, fixtureDer, toPem } from './testing/fixtures';

function refusalOf(pem: string): CsrRefusal {
  try {
    parseCertificateRequest(pem);
  } catch (error) {
    if (error instanceof CsrRefusal) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('parseCertificateRequest', () => {
  describe('accepts and describes', () => {
    it('a good RSA-2048 request: subject, SANs, key and signature algorithm', () => {
      // given openssl's RSA-2048 request for www.example.com
      // when it is parsed
      const csr = parseCertificateRequest(fixture('rsa2048.csr.pem'));
      // then everything a decision needs is there
      expect(csr.subject.dn).toBe('CN=www.example.com,OU=Platform,O=Example GmbH,C=DE');
      expect(csr.subject.fields).toEqual({
        commonName: 'www.example.com',
        organization: 'Example GmbH',
        organizationalUnit: 'Platform',
        country: 'DE',
      });
      expect(csr.subjectAlternativeNames).toEqual([
        { type: 'DNS', value: 'www.example.com' },
        { type: 'DNS', value: 'example.com' },
      ]);
      expect(csr.keyAlgorithm).toEqual({ name: 'RSA', modulusBits: 2048, publicExponent: 65537n });
      expect(csr.signatureAlgorithm).toBe('sha256WithRSAEncryption');
      expect(csr.publicKey.keyObject).toBeInstanceOf(KeyObject);
      expect(csr.publicKey.keyObject.asymmetricKeyType).toBe('rsa');
      expect(csr.publicKey.spki.equals(csr.publicKey.keyObject.export({ type: 'spki', format: 'der' }))).toBe(
        true,
      );
    });

    it('a good P-256 request', () => {
      const csr = parseCertificateRequest(fixture('p256.csr.pem'));
      expect(csr.keyAlgorithm).toEqual({ name: 'ECDSA', curve: 'P-256' });
      expect(csr.signatureAlgorithm).toBe('ecdsa-with-SHA256');
      expect(csr.subject.fields.commonName).toBe('edge.example.com');
    });

    it.each([
      ['p384.csr.pem', 'ecdsa-with-SHA384'],
      ['p521.csr.pem', 'ecdsa-with-SHA512'],
      ['rsa3072.csr.pem', 'sha384WithRSAEncryption'],
      ['rsa4096.csr.pem', 'sha512WithRSAEncryption'],
    ])('%s signed with %s', (name, algorithm) => {
      expect(parseCertificateRequest(fixture(name)).signatureAlgorithm).toBe(algorithm);
    });

    it('DNS, IP (v4 and v6), email and URI SANs in seed 001 shape, and a UTF-8 subject', () => {
      const csr = parseCertificateRequest(fixture('rsa2048-sans.csr.pem'));
      expect(csr.subjectAlternativeNames).toEqual([
        { type: 'DNS', value: 'sans.example.com' },
        { type: 'DNS', value: '*.sans.example.com' },
        { type: 'IP', value: '192.0.2.10' },
        { type: 'IP', value: '2001:db8::1' },
        { type: 'EMAIL', value: 'ops@example.com' },
        { type: 'URI', value: 'https://example.com/device/42' },
      ]);
      expect(csr.subject.fields.organization).toBe('Société Exemple');
    });

    it('an empty subject with SANs only', () => {
      const csr = parseCertificateRequest(fixture('rsa2048-no-subject.csr.pem'));
      expect(csr.subject).toEqual({ dn: '', fields: {}, attributes: [] });
      expect(csr.subjectAlternativeNames).toEqual([{ type: 'DNS', value: 'nosubject.example.com' }]);
    });

    it('a weak key: judging it is goodkey’s job, not the parser’s', () => {
      expect(parseCertificateRequest(fixture('rsa1024.csr.pem')).keyAlgorithm).toMatchObject({
        modulusBits: 1024,
      });
      expect(parseCertificateRequest(fixture('p224.csr.pem')).keyAlgorithm).toEqual({
        name: 'ECDSA',
        curve: 'P-224',
      });
    });
  });

  describe('refuses, naming the rule', () => {
    it.each([
      ['not PEM at all', 'hello'],
      ['an empty string', ''],
      ['a certificate block', fixture('rsa2048.csr.pem').replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')],
      ['two request blocks', fixture('rsa2048.csr.pem') + fixture('p256.csr.pem')],
      ['text around the block', 'Subject: me\n' + fixture('rsa2048.csr.pem')],
      [
        'a body that is not base64',
        '-----BEGIN CERTIFICATE REQUEST-----\n$$$\n-----END CERTIFICATE REQUEST-----\n',
      ],
    ])('pem: %s', (_case, pem) => {
      expect(refusalOf(pem)).toMatchObject({ code: 'INVALID_CSR', details: [{ rule: 'pem' }] });
    });

    it('der: bytes that are not a request', () => {
      expect(refusalOf(toPem('CERTIFICATE REQUEST', Buffer.from('not asn.1'))).details).toMatchObject([
        { rule: 'der' },
      ]);
    });

    it('der: a valid request with bytes after it', () => {
      const der = Buffer.concat([fixtureDer('rsa2048.csr.pem'), Buffer.from([0x05, 0x00])]);
      expect(refusalOf(toPem('CERTIFICATE REQUEST', der)).details).toMatchObject([{ rule: 'der' }]);
    });

    it('der: a length in more bytes than DER allows', () => {
      // given the RSA request, whose outer length takes two bytes (0x82 hi lo), re-encoded as 0x83 00 hi lo
      const der = fixtureDer('rsa2048.csr.pem');
      expect(der[1]).toBe(0x82);
      const ber = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
      expect(refusalOf(toPem('CERTIFICATE REQUEST', ber)).details).toMatchObject([{ rule: 'der' }]);
    });

    it('signature: one flipped bit in the signature', () => {
      expect(refusalOf(fixture('rsa2048-bad-signature.csr.pem')).details).toMatchObject([
        { rule: 'signature' },
      ]);
    });

    it('signature: one changed byte in the signed subject', () => {
      // given the request with its CN "www.example.com" changed to "wwx.example.com"
      const der = fixtureDer('rsa2048.csr.pem');
      const at = der.indexOf('www.example.com');
      der[at + 2] = 'x'.charCodeAt(0);
      expect(refusalOf(toPem('CERTIFICATE REQUEST', der)).details).toMatchObject([{ rule: 'signature' }]);
    });

    it.each([
      ['rsa2048-sha1.csr.pem', 'sha1WithRSAEncryption'],
      ['p256-sha1.csr.pem', 'ecdsa-with-SHA1'],
      ['rsa2048-md5.csr.pem', 'md5WithRSAEncryption'],
      ['rsa2048-pss.csr.pem', 'RSASSA-PSS'],
      ['ed25519.csr.pem', 'Ed25519'],
      ['dsa.csr.pem', 'dsa-with-SHA256'],
    ])('signature-algorithm: %s is signed with %s', (name, algorithm) => {
      expect(refusalOf(fixture(name)).details).toMatchObject([{ rule: 'signature-algorithm', algorithm }]);
    });

    it('subject-attribute-repeated: two common names', () => {
      expect(refusalOf(fixture('rsa2048-two-cn.csr.pem')).details).toEqual([
        expect.objectContaining({ rule: 'subject-attribute-repeated', attribute: 'commonName' }),
      ]);
    });

    it('san-type: a registeredID SAN', () => {
      expect(refusalOf(fixture('rsa2048-rid-san.csr.pem')).details).toEqual([
        expect.objectContaining({ rule: 'san-type', type: 'registeredID' }),
      ]);
    });
  });

  it('a refusal’s details survive JSON (they travel in replies)', () => {
    const refusal = refusalOf(fixture('rsa2048-sha1.csr.pem'));
    expect(JSON.parse(JSON.stringify(refusal.details))).toEqual(refusal.details);
  });
});
