/**
 * The CRL writer against openssl: CRLs for an openssl-made authority (P-256 and RSA), read back by
 * `openssl crl -text`, their signatures checked by `openssl crl -verify`, and `openssl verify -crl_check`
 * refusing a revoked leaf, as a relying party would.
 */
import { encodeCrlEntry, writeCrl } from '@certm3/pki';
import { OpensslAuthority, opensslAuthority } from './testing/openssl-authority';

describe.each([
  ['P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['RSA-2048', ['-newkey', 'rsa:2048']],
])('CRLs of an openssl %s authority', (_name, keyArgs) => {
  let ca: OpensslAuthority;
  beforeAll(() => {
    ca = opensslAuthority(keyArgs);
    ca.leaf('revoked', '7a01');
    ca.leaf('fine', '7a02');
  });
  afterAll(() => ca.remove());
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
  const nextUpdate = new Date(thisUpdate.getTime() + 24 * 3600_000);

  it('lists serials with reason codes and invalidity dates, numbered and signed as openssl expects', async () => {
    const der = await writeCrl({
      issuer: ca.profile,
      crlNumber: 300n,
      thisUpdate,
      nextUpdate,
      entries: [
        encodeCrlEntry({
          serialNumber: Buffer.from('7a01', 'hex'),
          revocationDate: new Date('2026-03-04T05:06:07Z'),
          reasonCode: 1,
          invalidityDate: new Date('2026-03-01T00:00:00Z'),
        }),
        encodeCrlEntry({
          serialNumber: Buffer.from('80ff', 'hex'),
          revocationDate: thisUpdate,
          reasonCode: 0,
        }),
        encodeCrlEntry({ serialNumber: Buffer.from('0c', 'hex'), revocationDate: thisUpdate, reasonCode: 6 }),
      ],
    });
    ca.write('crl.der', der);
    const text = ca.openssl('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text');
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toMatch(/X509v3 CRL Number:\s+300/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toMatch(/Serial Number: 7A01\s+Revocation Date: Mar {2}4 05:06:07 2026 GMT/);
    expect(text).toMatch(/7A01[\s\S]*?CRL Reason Code:\s+Key Compromise/);
    expect(text).toMatch(/Invalidity Date:\s+Mar {2}1 00:00:00 2026 GMT/);
    expect(text).toMatch(/Serial Number: 80FF\s+Revocation Date: [^\n]+\n\s+Serial Number: 0C/); // no reason for 0
    expect(text).toMatch(/0C[\s\S]*?CRL Reason Code:\s+Certificate Hold/);
    expect(
      ca.opensslAnyway('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
    ca.openssl('crl', '-inform', 'DER', '-in', 'crl.der', '-out', 'crl.pem');
    expect(
      ca.opensslAnyway('verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'crl.pem', 'revoked.pem'),
    ).toContain('certificate revoked');
    expect(
      ca.openssl('verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'crl.pem', 'fine.pem'),
    ).toContain('fine.pem: OK');
  });

  it('leaves the list out when nothing is revoked', async () => {
    const der = await writeCrl({ issuer: ca.profile, crlNumber: 1n, thisUpdate, nextUpdate, entries: [] });
    ca.write('empty.der', der);
    const text = ca.openssl('crl', '-inform', 'DER', '-in', 'empty.der', '-noout', '-text');
    expect(text).toContain('No Revoked Certificates.');
    expect(
      ca.opensslAnyway('crl', '-inform', 'DER', '-in', 'empty.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
  });
});

describe('a CRL of 100,000 entries', () => {
  let ca: OpensslAuthority;
  beforeAll(() => (ca = opensslAuthority(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'])));
  afterAll(() => ca.remove());
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
  const nextUpdate = new Date(thisUpdate.getTime() + 24 * 3600_000);

  it('writes a CRL of 100,000 entries openssl reads whole', async () => {
    const entries = Array.from({ length: 100_000 }, (_, index) =>
      encodeCrlEntry({
        serialNumber: Buffer.from(`7f${index.toString(16).padStart(30, '0')}`, 'hex'),
        revocationDate: thisUpdate,
        reasonCode: 4,
      }),
    );
    const der = await writeCrl({ issuer: ca.profile, crlNumber: 2n ** 70n, thisUpdate, nextUpdate, entries });
    ca.write('large.der', der);
    expect(
      ca.opensslAnyway('crl', '-inform', 'DER', '-in', 'large.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
    expect(ca.openssl('crl', '-inform', 'DER', '-in', 'large.der', '-noout', '-crlnumber')).toContain(
      `crlNumber=0x${(2n ** 70n).toString(16).toUpperCase()}`,
    );
  });
});
