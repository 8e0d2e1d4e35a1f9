import {
  ADMIN_ROLE,
  liveAssignment,
  roleCodeReservation,
  roleDecider,
  streamIds,
  SYSTEM_ROLES,
  userDecider,
} from '@certm3/domain';
import { eventIdFor } from '@certm3/event-store';
import { StreamSession } from '../execution/stream-session';
import { recordAdministrator } from './administrators';

/** The streams installing the system roles reads, to fetch them in one round trip. */
export function systemRoleStreams(administratorId: string): string[] {
  return [
    ...SYSTEM_ROLES.flatMap((role) => [
      streamIds.roleCodeReservation(role.roleCode),
      streamIds.role(role.roleId),
    ]),
    streamIds.user(administratorId),
    streamIds.administrators(),
  ];
}

/**
 * Creates the system roles that do not exist yet (each with its code reserved) and grants ADMIN, everywhere,
 * to `administratorId` unless they hold it: with the first administrator's bootstrap, and on a log written
 * before roles existed (the upgrade at start). Idempotent: run twice, it appends nothing the second time.
 * The administrator's stream must have no pending appends of this command when it is called.
 */
export async function installSystemRoles(
  session: StreamSession,
  administratorId: string,
  options: { reactivate?: boolean } = {},
): Promise<boolean> {
  let changed = false;
  for (const role of SYSTEM_ROLES) {
    const stream = await session.load(streamIds.role(role.roleId), roleDecider);
    if (stream.state.exists) {
      // Installed by an earlier release: brought to this release's definition (ADMIN holds every
      // permission the vocabulary has now).
      const redefined = roleDecider.decide(
        {
          type: 'RedefineSystemRole',
          name: role.name,
          description: role.description,
          permissions: role.permissions,
        },
        stream.state,
      );
      if (redefined.length > 0) {
        session.append(stream, redefined);
        changed = true;
      }
      continue;
    }
    const code = await session.load(streamIds.roleCodeReservation(role.roleCode), roleCodeReservation);
    session.append(
      code,
      roleCodeReservation.decide({ type: 'Reserve', ownerId: role.roleId, now: session.now }, code.state),
    );
    session.append(
      stream,
      roleDecider.decide(
        { type: 'CreateRole', ...role, description: role.description, system: true },
        stream.state,
      ),
    );
    changed = true;
  }
  let administrator = await session.load(streamIds.user(administratorId), userDecider);
  if (options.reactivate && administrator.state.exists && administrator.state.status === 'inactive') {
    session.append(administrator, userDecider.decide({ type: 'ReactivateUser' }, administrator.state));
    administrator = await session.load(streamIds.user(administratorId), userDecider);
    changed = true;
  }
  if (administrator.state.exists && !liveAssignment(administrator.state, ADMIN_ROLE.roleId, null)) {
    session.append(
      administrator,
      userDecider.decide(
        {
          type: 'AssignRole',
          assignmentId: eventIdFor(session.context.commandId, 'assignment/system-admin'),
          role: { roleId: ADMIN_ROLE.roleId, roleCode: ADMIN_ROLE.roleCode },
          organizationId: null,
        },
        administrator.state,
      ),
    );
    await recordAdministrator(session, administratorId, 'Add');
    changed = true;
  }
  return changed;
}
