import { isIP } from 'node:net';
import { ipBytes } from './certificate-writer';

/** Regression: IPv6 SANs ending in a dotted quad were written as 14 or 15 octets instead of 16. */
describe('the octets of an IP SAN', () => {
  it.each([
    ['192.0.2.7', 'c0000207'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::ffff:192.168.100.200', '00000000000000000000ffffc0a864c8'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '20010db8000000000000ff0000428329'],
  ])('%s is %s', (address, hex) => {
    expect(isIP(address)).not.toBe(0);
    expect(ipBytes(address).toString('hex')).toBe(hex);
  });

  it('refuses an address with a zone', () => {
    expect(() => ipBytes('fe80::1%eth0')).toThrow();
  });
});
