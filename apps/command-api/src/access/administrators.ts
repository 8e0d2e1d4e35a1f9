import {
  ADMIN_ROLE,
  administratorsEvolver,
  decideAdministrators,
  liveAssignment,
  streamIds,
  userDecider,
  UserState,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';

/** Whether the user holds ADMIN everywhere (a live global assignment). */
export function holdsGlobalAdmin(state: UserState): boolean {
  return state.exists && liveAssignment(state, ADMIN_ROLE.roleId, null) !== undefined;
}

/**
 * Whether taking `userId` out of action (or taking ADMIN from them) would leave no active global
 * administrator. Reads the registry and every other holder's stream through the session, so all of them
 * are held at commit: two administrators deactivating each other at once cannot both succeed.
 */
export async function isLastAdministrator(session: StreamSession, userId: string): Promise<boolean> {
  const target = await session.load(streamIds.user(userId), userDecider);
  if (!holdsGlobalAdmin(target.state) || (target.state.exists && target.state.status !== 'active'))
    return false;
  const registry = await session.load(streamIds.administrators(), administratorsEvolver);
  for (const holder of registry.state.holders) {
    if (holder === userId) continue;
    const other = await session.load(streamIds.user(holder), userDecider);
    if (other.state.exists && other.state.status === 'active' && holdsGlobalAdmin(other.state)) return false;
  }
  return true;
}

/** Keeps the registry equal to who holds ADMIN globally; call after the user's stream events are appended. */
export async function recordAdministrator(
  session: StreamSession,
  userId: string,
  change: 'Add' | 'Remove',
): Promise<void> {
  const registry = await session.load(streamIds.administrators(), administratorsEvolver);
  session.append(registry, decideAdministrators({ type: change, userId }, registry.state));
}
