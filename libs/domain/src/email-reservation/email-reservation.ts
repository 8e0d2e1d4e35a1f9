import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';

/**
 * Email uniqueness across users, race-free: one stream per (normalized) address, and a reservation is an
 * append with the revision the reader saw, so of two concurrent reservations exactly one succeeds.
 *
 * A reservation can outlive its use: a process can stop between reserving an address and registering the
 * user (or after changing a user's address, before releasing the old one). Such a reservation is stale
 * when its holder does not use the address and it is older than the grace period that covers a command
 * still in flight; a stale reservation may be taken over.
 */
export type EmailReservationEvent =
  | {
      type: 'EmailReserved';
      /** `reservedAt` since schema version 2; version 1 events get it from their occurredAt (catalog). */
      data: { userId: string; reservedAt: string; takenOverFrom?: string };
    }
  | { type: 'EmailReleased'; data: { userId: string } };

export type EmailReservationState =
  { readonly holder: null } | { readonly holder: string; readonly reservedAt: string };

export const STALE_RESERVATION_GRACE_MS = 30_000;

export type EmailReservationCommand =
  | {
      type: 'ReserveEmail';
      userId: string;
      now: string;
      /** Whether the current holder still uses the address; asked only when another user holds it. */
      holderUsesAddress?: boolean;
    }
  | { type: 'ReleaseEmail'; userId: string };

export function decideEmailReservation(
  command: EmailReservationCommand,
  state: EmailReservationState,
): EmailReservationEvent[] {
  switch (command.type) {
    case 'ReserveEmail': {
      const reservedAt = command.now;
      if (state.holder === null)
        return [{ type: 'EmailReserved', data: { userId: command.userId, reservedAt } }];
      if (state.holder === command.userId) return [];
      const stale =
        command.holderUsesAddress === false &&
        Date.parse(command.now) - Date.parse(state.reservedAt) > STALE_RESERVATION_GRACE_MS;
      if (!stale) refuse('EMAIL_TAKEN');
      return [
        { type: 'EmailReserved', data: { userId: command.userId, reservedAt, takenOverFrom: state.holder } },
      ];
    }
    case 'ReleaseEmail':
      return state.holder === command.userId
        ? [{ type: 'EmailReleased', data: { userId: command.userId } }]
        : [];
  }
}

/** The reservation's age decides whether it is stale: its time is part of the event. */
export function evolveEmailReservation(
  _state: EmailReservationState,
  event: EmailReservationEvent,
): EmailReservationState {
  return event.type === 'EmailReserved'
    ? { holder: event.data.userId, reservedAt: event.data.reservedAt }
    : { holder: null };
}

export const emailReservationDecider: Decider<
  EmailReservationCommand,
  EmailReservationEvent,
  EmailReservationState
> = {
  decide: decideEmailReservation,
  evolve: evolveEmailReservation,
  initialState: { holder: null },
};
