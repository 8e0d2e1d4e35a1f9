import { ErrorCode } from '../shared/error-codes';
import { deciderSpec } from '../testing/decider-spec';
import {
  ReservationEvent,
  certificateFingerprintReservation,
  policyCodeReservation,
  reservationDecider,
} from './reservation';

const now = '2026-12-01T12:00:00.000Z';
const owner = '66666666-6666-4666-8666-666666666666';
const other = '55555555-5555-4555-8555-555555555555';

/** The reservation of one kind of key: its first owner holds it, and nobody else gets it while in use. */
function itReservesOnce<Reserved extends string, Released extends string>(
  decider: ReturnType<typeof reservationDecider<Reserved, Released>>,
  reserved: Reserved,
  taken: ErrorCode,
) {
  const { given } = deciderSpec(decider);
  const held: ReservationEvent<Reserved, Released>[] = [
    { type: reserved, data: { ownerId: owner, reservedAt: now } },
  ];

  it('is reserved for its first owner; again for that owner appends nothing', () => {
    given([]).when({ type: 'Reserve', ownerId: owner, now }).then(held);
    given(held).when({ type: 'Reserve', ownerId: owner, now }).thenNothingHappens();
  });

  it(`is refused to a second owner with ${taken} while the first uses it`, () => {
    given(held).when({ type: 'Reserve', ownerId: other, now, holderUsesKey: true }).thenRefuses(taken);
    given(held).when({ type: 'Reserve', ownerId: other, now }).thenRefuses(taken);
  });
}

describe('a certificate fingerprint (one certificate in the inventory once)', () => {
  itReservesOnce(
    certificateFingerprintReservation,
    'CertificateFingerprintReserved',
    'CERTIFICATE_ALREADY_KNOWN',
  );
});

describe('a policy code', () => {
  itReservesOnce(policyCodeReservation, 'PolicyCodeReserved', 'POLICY_CODE_TAKEN');
});
