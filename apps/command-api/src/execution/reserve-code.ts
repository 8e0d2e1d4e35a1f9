import { ReservationCommand, ReservationState } from '@certm3/domain';
import { Evolver, StreamSession } from './stream-session';

type ReservationDecider = Evolver<ReservationState, never> & {
  decide(command: ReservationCommand, state: ReservationState): { type: string; data: object }[];
};

/**
 * Reserves a code (a role's, an organization's) for `ownerId` in its reservation stream. A code reserved by
 * an owner that was never created (a stopped process, on a store without atomic multi-stream appends) is
 * taken over after the grace period; an owner that exists keeps its code, deleted or not.
 */
export async function reserveCode(
  session: StreamSession,
  reservation: ReservationDecider,
  streamId: string,
  ownerId: string,
  ownerExists: (holderId: string) => Promise<boolean>,
): Promise<void> {
  const code = await session.load(streamId, reservation);
  const holder = code.state.holder;
  const holderUsesKey = holder === null || holder === ownerId ? undefined : await ownerExists(holder);
  session.append(
    code,
    reservation.decide({ type: 'Reserve', ownerId, now: session.now, holderUsesKey }, code.state),
  );
}
