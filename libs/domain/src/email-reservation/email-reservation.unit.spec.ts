import {
  decideEmailReservation,
  EmailReservationState,
  STALE_RESERVATION_GRACE_MS,
} from './email-reservation';
import { DomainError } from '../shared/domain-error';
import { deciderSpec } from '../testing/decider-spec';
import { emailReservationDecider } from './email-reservation';

const ada = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const reservedAt = '2026-11-23T00:00:00.000Z';
const heldByAda: EmailReservationState = { holder: ada, reservedAt };
const later = (ms: number) => new Date(Date.parse(reservedAt) + ms).toISOString();

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
}

describe('email reservation (seed 000, constraint 5)', () => {
  it('reserves a free address', () => {
    expect(
      decideEmailReservation({ type: 'ReserveEmail', userId: ada, now: reservedAt }, { holder: null }),
    ).toEqual([{ type: 'EmailReserved', data: { userId: ada, reservedAt } }]);
  });

  it('is a no-op for the holder itself (a retried command)', () => {
    expect(decideEmailReservation({ type: 'ReserveEmail', userId: ada, now: later(1) }, heldByAda)).toEqual(
      [],
    );
  });

  it('refuses an address another user holds and uses', () => {
    const reserve = {
      type: 'ReserveEmail',
      userId: bob,
      now: later(STALE_RESERVATION_GRACE_MS * 10),
      holderUsesAddress: true,
    } as const;
    expect(refusal(() => decideEmailReservation(reserve, heldByAda))).toBe('EMAIL_TAKEN');
  });

  it('refuses a fresh reservation even when its holder does not use it yet: its command may still be running', () => {
    const reserve = {
      type: 'ReserveEmail',
      userId: bob,
      now: later(1_000),
      holderUsesAddress: false,
    } as const;
    expect(refusal(() => decideEmailReservation(reserve, heldByAda))).toBe('EMAIL_TAKEN');
  });

  it('takes over a stale reservation: old, and its holder does not use the address', () => {
    const reserve = {
      type: 'ReserveEmail',
      userId: bob,
      now: later(STALE_RESERVATION_GRACE_MS + 1),
      holderUsesAddress: false,
    } as const;
    expect(decideEmailReservation(reserve, heldByAda)).toEqual([
      { type: 'EmailReserved', data: { userId: bob, reservedAt: reserve.now, takenOverFrom: ada } },
    ]);
  });

  it('releases only the holder’s own reservation', () => {
    expect(decideEmailReservation({ type: 'ReleaseEmail', userId: ada }, heldByAda)).toEqual([
      { type: 'EmailReleased', data: { userId: ada } },
    ]);
    expect(decideEmailReservation({ type: 'ReleaseEmail', userId: bob }, heldByAda)).toEqual([]);
  });
});

describe('email reservation, folded from its events', () => {
  const { given } = deciderSpec(emailReservationDecider);

  it('dates a reservation by its own event, so its age needs no clock of the reader', () => {
    given([{ type: 'EmailReserved', data: { userId: ada, reservedAt } }])
      .when({
        type: 'ReserveEmail',
        userId: bob,
        now: later(STALE_RESERVATION_GRACE_MS + 1),
        holderUsesAddress: false,
      })
      .then([
        {
          type: 'EmailReserved',
          data: { userId: bob, reservedAt: later(STALE_RESERVATION_GRACE_MS + 1), takenOverFrom: ada },
        },
      ]);
  });
});
