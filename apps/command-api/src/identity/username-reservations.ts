import { streamIds, usernameReservation, userDecider, identifierKey } from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';

/**
 * Usernames are unique after normalisation and case folding, race-free: one reservation stream per key,
 * appended with the revision read (see the domain's reservation).
 */
export const usernameReservations = {
  streamFor: (username: string) => streamIds.usernameReservation(username),

  async reserve(session: StreamSession, username: string, userId: string): Promise<void> {
    const loaded = await session.load(this.streamFor(username), usernameReservation);
    let holderUsesKey: boolean | undefined;
    const holder = loaded.state.holder;
    if (holder !== null && holder !== userId) {
      // Read, so held at commit: a holder taking the name back meanwhile is seen.
      const holderStream = await session.load(streamIds.user(holder), userDecider);
      holderUsesKey =
        holderStream.state.exists && identifierKey(holderStream.state.username) === identifierKey(username);
    }
    session.append(
      loaded,
      usernameReservation.decide(
        { type: 'Reserve', ownerId: userId, now: session.now, holderUsesKey },
        loaded.state,
      ),
    );
  },

  async release(session: StreamSession, username: string, userId: string): Promise<void> {
    const loaded = await session.load(this.streamFor(username), usernameReservation);
    session.append(
      loaded,
      usernameReservation.decide({ type: 'Release', ownerId: userId, now: session.now }, loaded.state),
    );
  },
};
