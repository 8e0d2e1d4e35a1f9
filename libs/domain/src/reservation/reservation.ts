import { refuse } from '../shared/domain-error';
import { ErrorCode } from '../shared/error-codes';

/**
 * Uniqueness across aggregates, race-free: one stream per normalised key (a username, a role code, an
 * organization code), and a reservation is an append expecting the revision the reader saw, so of two
 * concurrent reservations exactly one commits. Emails have their own, older reservation (email-reservation).
 *
 * A reservation held by an owner that does not use the key (a process stopped between reserving and
 * registering on a store without atomic multi-stream appends, or a renamed user whose release was lost) is
 * stale once older than the grace period that covers a command still in flight, and may be taken over.
 */
export interface ReservationKind<Reserved extends string, Released extends string> {
  readonly reserved: Reserved;
  readonly released: Released;
  readonly taken: ErrorCode;
}

export type ReservationEvent<Reserved extends string = string, Released extends string = string> =
  | {
      type: Reserved;
      data: {
        ownerId: string;
        reservedAt: string;
        takenOverFrom?: string;
        /**
         * Other owners who use the key too: a log written before the key was unique may hold several. When
         * the holder lets the key go it passes to the next of them instead of becoming free.
         */
        sharedWith?: readonly string[];
      };
    }
  | { type: Released; data: { ownerId: string } };

export type ReservationState =
  | { readonly holder: null }
  | { readonly holder: string; readonly reservedAt: string; readonly sharedWith: readonly string[] };

export const RESERVATION_GRACE_MS = 30_000;

export type ReservationCommand =
  | {
      type: 'Reserve';
      ownerId: string;
      now: string;
      /** Whether the current holder still uses the key; asked only when another owner holds it. */
      holderUsesKey?: boolean;
    }
  | { type: 'Release'; ownerId: string; now: string }
  /** Reserves for the first owner, for the others to inherit (see `sharedWith`): the upgrade of an old log. */
  | { type: 'ReserveShared'; ownerIds: readonly string[]; now: string };

export function reservationDecider<Reserved extends string, Released extends string>(
  kind: ReservationKind<Reserved, Released>,
) {
  type Event = ReservationEvent<Reserved, Released>;
  return {
    initialState: { holder: null } as ReservationState,
    decide(command: ReservationCommand, state: ReservationState): Event[] {
      if (command.type === 'Release') {
        if (state.holder !== command.ownerId) return [];
        const [next, ...rest] = state.sharedWith;
        if (next === undefined) return [{ type: kind.released, data: { ownerId: command.ownerId } } as Event];
        return [
          {
            type: kind.reserved,
            data: {
              ownerId: next,
              reservedAt: command.now,
              takenOverFrom: command.ownerId,
              ...(rest.length > 0 ? { sharedWith: rest } : {}),
            },
          } as Event,
        ];
      }
      if (command.type === 'ReserveShared') {
        if (state.holder !== null) return [];
        const [first, ...rest] = command.ownerIds;
        return [
          {
            type: kind.reserved,
            data: {
              ownerId: first,
              reservedAt: command.now,
              ...(rest.length > 0 ? { sharedWith: rest } : {}),
            },
          } as Event,
        ];
      }
      const reservedAt = command.now;
      if (state.holder === null)
        return [{ type: kind.reserved, data: { ownerId: command.ownerId, reservedAt } } as Event];
      if (state.holder === command.ownerId) return [];
      const stale =
        command.holderUsesKey === false &&
        Date.parse(command.now) - Date.parse(state.reservedAt) > RESERVATION_GRACE_MS;
      if (!stale) refuse(kind.taken);
      return [
        {
          type: kind.reserved,
          data: { ownerId: command.ownerId, reservedAt, takenOverFrom: state.holder },
        } as Event,
      ];
    },
    evolve(_state: ReservationState, event: Event): ReservationState {
      if (event.type !== kind.reserved) return { holder: null };
      const data = event.data as { ownerId: string; reservedAt: string; sharedWith?: readonly string[] };
      return { holder: data.ownerId, reservedAt: data.reservedAt, sharedWith: data.sharedWith ?? [] };
    },
  };
}

export type UsernameReservationEvent = ReservationEvent<'UsernameReserved', 'UsernameReleased'>;
export type RoleCodeReservationEvent = ReservationEvent<'RoleCodeReserved', 'RoleCodeReleased'>;
export type OrganizationCodeReservationEvent = ReservationEvent<
  'OrganizationCodeReserved',
  'OrganizationCodeReleased'
>;

export const usernameReservation = reservationDecider({
  reserved: 'UsernameReserved',
  released: 'UsernameReleased',
  taken: 'USERNAME_TAKEN',
});
export const roleCodeReservation = reservationDecider({
  reserved: 'RoleCodeReserved',
  released: 'RoleCodeReleased',
  taken: 'ROLE_CODE_TAKEN',
});
export const organizationCodeReservation = reservationDecider({
  reserved: 'OrganizationCodeReserved',
  released: 'OrganizationCodeReleased',
  taken: 'ORG_CODE_TAKEN',
});

export type PolicyCodeReservationEvent = ReservationEvent<'PolicyCodeReserved', 'PolicyCodeReleased'>;
export const policyCodeReservation = reservationDecider({
  reserved: 'PolicyCodeReserved',
  released: 'PolicyCodeReleased',
  taken: 'POLICY_CODE_TAKEN',
});

/** One certificate (its DER's SHA-256) in the inventory once, whoever registers or issues it. */
export type CertificateFingerprintReservationEvent = ReservationEvent<
  'CertificateFingerprintReserved',
  'CertificateFingerprintReleased'
>;
export const certificateFingerprintReservation = reservationDecider({
  reserved: 'CertificateFingerprintReserved',
  released: 'CertificateFingerprintReleased',
  taken: 'CERTIFICATE_ALREADY_KNOWN',
});

/**
 * Marks, in stream `system-certificate-fingerprints`, that the certificates a log held before fingerprints
 * were reserved have theirs (appended once, with "no stream" expected, by the command API's upgrade at start).
 */
export type CertificateFingerprintsReservedEvent = {
  type: 'CertificateFingerprintsReserved';
  data: { certificates: number; fingerprints: number };
};
