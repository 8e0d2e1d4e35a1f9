import { RESERVATION_GRACE_MS, usernameReservation } from './reservation';
import { DomainError } from '../shared/domain-error';

const now = '2026-12-01T12:00:00.000Z';
const later = new Date(Date.parse(now) + RESERVATION_GRACE_MS + 1).toISOString();
const reserved = (ownerId: string, sharedWith: string[] = []) => ({
  holder: ownerId,
  reservedAt: now,
  sharedWith,
});

describe('a reservation (usernames, role and organization codes)', () => {
  it('reserves a free key, and again for its holder appends nothing', () => {
    expect(usernameReservation.decide({ type: 'Reserve', ownerId: 'a', now }, { holder: null })).toEqual([
      { type: 'UsernameReserved', data: { ownerId: 'a', reservedAt: now } },
    ]);
    expect(usernameReservation.decide({ type: 'Reserve', ownerId: 'a', now }, reserved('a'))).toEqual([]);
  });

  it('refuses a key another owner holds and uses', () => {
    const attempt = () =>
      usernameReservation.decide(
        { type: 'Reserve', ownerId: 'b', now: later, holderUsesKey: true },
        reserved('a'),
      );
    expect(attempt).toThrow(DomainError);
    expect(() => attempt()).toThrow(expect.objectContaining({ code: 'USERNAME_TAKEN' }));
  });

  it('takes over a stale reservation: its holder does not use the key, after the grace period', () => {
    expect(
      usernameReservation.decide(
        { type: 'Reserve', ownerId: 'b', now: later, holderUsesKey: false },
        reserved('a'),
      ),
    ).toEqual([{ type: 'UsernameReserved', data: { ownerId: 'b', reservedAt: later, takenOverFrom: 'a' } }]);
    expect(() =>
      usernameReservation.decide({ type: 'Reserve', ownerId: 'b', now, holderUsesKey: false }, reserved('a')),
    ).toThrow(expect.objectContaining({ code: 'USERNAME_TAKEN' }));
  });

  it('is released only by its holder', () => {
    expect(usernameReservation.decide({ type: 'Release', ownerId: 'a', now }, reserved('a'))).toEqual([
      { type: 'UsernameReleased', data: { ownerId: 'a' } },
    ]);
    expect(usernameReservation.decide({ type: 'Release', ownerId: 'b', now }, reserved('a'))).toEqual([]);
  });

  it('passes a key several owners share (an old log’s duplicates) to the next when its holder lets it go', () => {
    expect(
      usernameReservation.decide({ type: 'ReserveShared', ownerIds: ['a', 'b', 'c'], now }, { holder: null }),
    ).toEqual([
      { type: 'UsernameReserved', data: { ownerId: 'a', reservedAt: now, sharedWith: ['b', 'c'] } },
    ]);
    expect(
      usernameReservation.decide({ type: 'Release', ownerId: 'a', now: later }, reserved('a', ['b', 'c'])),
    ).toEqual([
      {
        type: 'UsernameReserved',
        data: { ownerId: 'b', reservedAt: later, takenOverFrom: 'a', sharedWith: ['c'] },
      },
    ]);
    expect(usernameReservation.decide({ type: 'Release', ownerId: 'c', now: later }, reserved('c'))).toEqual([
      { type: 'UsernameReleased', data: { ownerId: 'c' } },
    ]);
  });
});
