import {
  ADMIN_ROLE,
  identifierProblem,
  RoleAssignment,
  streamIds,
  SYSTEM_ACTOR_ID,
  SYSTEM_ROLES,
  userDecider,
  USERS_GROUP_ID,
} from '@certm3/domain';

/** Ids no user may take: the system actor's (the audit trail would credit them with certm3's own acts), the system roles' and the "users" group's. */
const RESERVED_IDS = new Set([SYSTEM_ACTOR_ID, USERS_GROUP_ID, ...SYSTEM_ROLES.map((role) => role.roleId)]);
import { eventIdFor } from '@certm3/event-store';
import { CommandContext } from '../execution/command-context';
import { CommandServices } from '../execution/command-definition';
import { CommandValidationError } from '../execution/command-executor';
import { derivedId } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';
import { recordAdministrator } from '../access/administrators';
import { emailReservations } from './email-reservations';
import { usernameReservations } from './username-reservations';

export interface NewUser {
  readonly userId: string;
  /**
   * The password's salted scrypt hash, computed the first time it is asked for and never again: the
   * definition asks only once the username and email are known to be free, so a taken address costs no
   * deliberately slow hash (and a retry reuses it).
   */
  readonly passwordHash: () => Promise<string>;
}

/** Refuses identifiers that could pass for another: invisible, zero-width, bidirectional control characters. */
export function assertIdentifiers(fields: Readonly<Record<string, string | undefined>>): void {
  const details = Object.entries(fields).flatMap(([field, value]) => {
    const problem = value === undefined ? undefined : identifierProblem(value);
    return problem ? [{ field, message: `${field} ${problem}` }] : [];
  });
  if (details.length > 0) throw new CommandValidationError(details);
}

export function lazyHash(services: CommandServices, password: string): () => Promise<string> {
  let hashing: Promise<string> | undefined;
  return () => (hashing ??= services.passwords.hash(password));
}

/** The new user's id (the client's, or derived from the command id); the password hashed later, once. */
export function prepareNewUser(
  {
    body,
    context,
  }: { body: { id?: string; username: string; email: string; password: string }; context: CommandContext },
  services: CommandServices,
): NewUser {
  assertIdentifiers({ username: body.username, email: body.email });
  if (body.id !== undefined && RESERVED_IDS.has(body.id.toLowerCase()))
    throw new CommandValidationError([{ field: 'id', message: 'id is reserved for certm3 itself' }]);
  return {
    userId: body.id ?? derivedId(context.commandId, 'user'),
    passwordHash: lazyHash(services, body.password),
  };
}

/**
 * Reserves the address and the username, then registers the user with the roles given. A refused
 * registration needs no release: the session writes a refused command's events not at all.
 */
export async function registerUser(
  session: StreamSession,
  user: {
    userId: string;
    username: string;
    email: string;
    passwordHash: () => Promise<string>;
    registration: 'bootstrap' | 'standard';
  },
  roles: readonly { roleId: string; roleCode: string }[] = [],
): Promise<number> {
  await emailReservations.reserve(session, user.email, user.userId);
  await usernameReservations.reserve(session, user.username, user.userId);
  const passwordHash = await user.passwordHash();
  const { revision } = await session.decideAndAppend(streamIds.user(user.userId), userDecider, {
    type: 'RegisterUser',
    ...user,
    passwordHash,
  });
  let last = revision;
  for (const role of roles) last = await assignRole(session, user.userId, role, null);
  return last;
}

/** Appends the assignment to the user's stream (and the administrators' registry for a global ADMIN). */
export async function assignRole(
  session: StreamSession,
  userId: string,
  role: { roleId: string; roleCode: string },
  organizationId: string | null,
): Promise<number> {
  const user = await session.load(streamIds.user(userId), userDecider);
  const scope = organizationId ?? 'global';
  const revision = session.append(
    user,
    userDecider.decide(
      {
        type: 'AssignRole',
        assignmentId: eventIdFor(session.context.commandId, `assignment/${role.roleId}/${scope}`),
        role,
        organizationId,
      },
      user.state,
    ),
  );
  if (role.roleId === ADMIN_ROLE.roleId && organizationId === null)
    await recordAdministrator(session, userId, 'Add');
  return revision;
}

export type { RoleAssignment };
