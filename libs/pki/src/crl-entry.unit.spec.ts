import { randomBytes } from 'node:crypto';
import { encodeCrlEntry } from './crl';
import { generalizedTime, oid, octetString, sequence, enumerated, time, unsignedInteger } from './der';

/** The entry as the general DER helpers write it: what the fast writer must equal byte for byte. */
function reference(
  serialNumber: Buffer,
  revocationDate: Date,
  reasonCode?: number,
  invalidityDate?: Date,
): Buffer {
  const extension = (id: string, value: Buffer) => sequence(oid(id), octetString(value));
  const extensions = [
    ...(reasonCode !== undefined && reasonCode !== 0 ? [extension('2.5.29.21', enumerated(reasonCode))] : []),
    ...(invalidityDate ? [extension('2.5.29.24', generalizedTime(invalidityDate))] : []),
  ];
  return sequence(
    unsignedInteger(serialNumber),
    time(revocationDate),
    ...(extensions.length > 0 ? [sequence(...extensions)] : []),
  );
}

describe('a CRL entry', () => {
  it.each([
    ['a 16-byte serial, a reason and an invalidity date', randomBytes(16), 1, true],
    ['a serial with its high bit set (a sign byte added)', Buffer.from('ff01', 'hex'), 4, false],
    ['leading zeros (dropped)', Buffer.from('0000007f', 'hex'), undefined, false],
    ['reason unspecified (left out)', Buffer.from('01', 'hex'), 0, true],
    ['one zero byte', Buffer.from('00', 'hex'), 6, false],
  ])('is DER for %s', (_name, serial, reason, invalidity) => {
    for (const at of [new Date('2026-03-04T05:06:07.891Z'), new Date('2051-01-02T03:04:05Z')]) {
      const invalidityDate = invalidity ? new Date('2026-02-01T00:00:00Z') : undefined;
      expect(
        encodeCrlEntry({ serialNumber: serial, revocationDate: at, reasonCode: reason, invalidityDate }),
      ).toEqual(reference(serial, at, reason, invalidityDate));
    }
  });
});
