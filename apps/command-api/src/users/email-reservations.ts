import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decideEmailReservation,
  evolveEmailReservation,
  normalizeEmail,
  streamIds,
  userDecider,
  userUsesEmail,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';

const reservationEvolver = { initialState: { holder: null }, evolve: evolveEmailReservation } as const;

/** Reserves and releases addresses in their reservation streams (see the domain's email-reservation). */
@Injectable()
export class EmailReservations {
  /** The stream that holds the reservation of `email` (to preload it with others). */
  streamFor(email: string): string {
    return reservationStream(email);
  }

  async reserve(session: StreamSession, email: string, userId: string): Promise<void> {
    const streamId = reservationStream(email);
    const loaded = await session.load(streamId, reservationEvolver);
    let holderUsesAddress: boolean | undefined;
    const holder = loaded.state.holder;
    if (holder !== null && holder !== userId) {
      const holderStream = await session.load(streamIds.user(holder), userDecider);
      holderUsesAddress = userUsesEmail(holderStream.state, email);
    }
    const events = decideEmailReservation(
      { type: 'ReserveEmail', userId, now: session.now, holderUsesAddress },
      loaded.state,
    );
    session.append(loaded, events);
  }

  async release(session: StreamSession, email: string, userId: string): Promise<void> {
    const streamId = reservationStream(email);
    const loaded = await session.load(streamId, reservationEvolver);
    session.append(loaded, decideEmailReservation({ type: 'ReleaseEmail', userId }, loaded.state));
  }
}

function reservationStream(email: string): string {
  return streamIds.emailReservation(createHash('sha256').update(normalizeEmail(email)).digest('hex'));
}
