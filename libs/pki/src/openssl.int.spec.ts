/**
 * openssl as the outside client: fresh keys and requests made live, so the library is checked against
 * what a real client sends today and not only against the committed fixtures. Needs openssl 3 on PATH.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPublicKey, CsrRefusal, KeyRefusal, parseCertificateRequest } from '@certm3/pki';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certm3-pki-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl req -new -newkey <newkey>` with the given subject and extra options; the PEM request. */
function opensslRequest(newkey: string, subject: string, ...options: string[]): string {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.csr`);
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      newkey,
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-subj',
      subject,
      '-out',
      out,
      ...options,
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(out, 'utf8');
}

function outcome(pem: string): string {
  try {
    checkPublicKey(parseCertificateRequest(pem).publicKey.keyObject, { minRsaBits: 2048 });
    return 'accepted';
  } catch (error) {
    if (error instanceof CsrRefusal || error instanceof KeyRefusal)
      return `${error.code}:${error.details.map((d) => d.rule).join(',')}`;
    throw error;
  }
}

describe('requests openssl makes now', () => {
  it('RSA-2048 with SANs of every type is accepted and read back exactly', () => {
    const pem = opensslRequest(
      'rsa:2048',
      '/C=NL/O=Live BV/CN=live.example.com',
      '-sha256',
      '-addext',
      'subjectAltName=DNS:live.example.com,IP:10.0.0.1,IP:fe80::1,email:a@example.com,URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
    );
    expect(outcome(pem)).toBe('accepted');
    const csr = parseCertificateRequest(pem);
    expect(csr.subject.dn).toBe('CN=live.example.com,O=Live BV,C=NL');
    expect(csr.subjectAlternativeNames).toEqual([
      { type: 'DNS', value: 'live.example.com' },
      { type: 'IP', value: '10.0.0.1' },
      { type: 'IP', value: 'fe80::1' },
      { type: 'EMAIL', value: 'a@example.com' },
      { type: 'URI', value: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66' },
    ]);
  });

  it.each([
    ['P-256', 'prime256v1', 'accepted'],
    ['P-384', 'secp384r1', 'accepted'],
    ['P-224', 'secp224r1', 'WEAK_KEY:ec-curve'],
  ])('EC %s (openssl %s)', (curve, opensslName, expected) => {
    const params = join(dir, `${curve}.params`);
    execFileSync('openssl', ['ecparam', '-name', opensslName, '-out', params]);
    expect(outcome(opensslRequest(`ec:${params}`, '/CN=ec.example.com', '-sha256'))).toBe(expected);
  });

  it.each([
    ['RSA-1024', ['rsa:1024', '-sha256'], 'WEAK_KEY:rsa-modulus-size'],
    ['RSA-2048 signed with SHA-1', ['rsa:2048', '-sha1'], 'INVALID_CSR:signature-algorithm'],
    [
      'RSA-2048 signed with RSA-PSS',
      ['rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss'],
      'INVALID_CSR:signature-algorithm',
    ],
    ['Ed25519', ['ed25519'], 'INVALID_CSR:signature-algorithm'],
  ])('%s', (_name, [newkey, ...options], expected) => {
    expect(outcome(opensslRequest(newkey, '/CN=weak.example.com', ...options))).toBe(expected);
  });

  it('RSA-2048 with exponent 3 (openssl genpkey, then req)', () => {
    const key = join(dir, 'e3.pem');
    execFileSync(
      'openssl',
      [
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-pkeyopt',
        'rsa_keygen_pubexp:3',
        '-out',
        key,
      ],
      { stdio: 'pipe' },
    );
    const out = join(dir, 'e3.csr');
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/CN=e3.example.com', '-out', out]);
    expect(outcome(readFileSync(out, 'utf8'))).toBe('WEAK_KEY:rsa-public-exponent');
  });

  it('a request openssl verifies no longer verifies here once one bit of its signature flips', () => {
    const pem = opensslRequest('rsa:2048', '/CN=flip.example.com', '-sha256');
    const der = execFileSync('openssl', ['req', '-in', '-', '-outform', 'DER'], { input: pem });
    der[der.length - 1] ^= 0x01;
    const flipped = execFileSync('openssl', ['req', '-inform', 'DER', '-in', '-'], { input: der }).toString();
    expect(outcome(flipped)).toBe('INVALID_CSR:signature');
  });
});
