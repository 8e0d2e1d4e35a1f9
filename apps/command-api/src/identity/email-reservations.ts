import { createHash } from 'node:crypto';
import {
  decideEmailReservation,
  emailReservationDecider,
  normalizeEmail,
  streamIds,
  userDecider,
  userUsesEmail,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';

/**
 * Reserves and releases addresses in their reservation streams (see the domain's email-reservation): a
 * reservation is an append with the revision read, so of two concurrent reservations exactly one succeeds.
 */
export const emailReservations = {
  /** The stream that holds the reservation of `email` (to read it with the command's other streams). */
  streamFor(email: string): string {
    return streamIds.emailReservation(createHash('sha256').update(normalizeEmail(email)).digest('hex'));
  },

  async reserve(session: StreamSession, email: string, userId: string): Promise<void> {
    const loaded = await session.load(this.streamFor(email), emailReservationDecider);
    let holderUsesAddress: boolean | undefined;
    const holder = loaded.state.holder;
    if (holder !== null && holder !== userId) {
      // Read, so held at commit like any other read: a holder taking the address back meanwhile is seen.
      const holderStream = await session.load(streamIds.user(holder), userDecider);
      holderUsesAddress = userUsesEmail(holderStream.state, email);
    }
    const events = decideEmailReservation(
      { type: 'ReserveEmail', userId, now: session.now, holderUsesAddress },
      loaded.state,
    );
    session.append(loaded, events);
  },

  async release(session: StreamSession, email: string, userId: string): Promise<void> {
    const loaded = await session.load(this.streamFor(email), emailReservationDecider);
    session.append(loaded, decideEmailReservation({ type: 'ReleaseEmail', userId }, loaded.state));
  },
};
