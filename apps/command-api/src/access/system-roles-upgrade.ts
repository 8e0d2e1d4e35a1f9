import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { canonicalJson, describeError } from '@certm3/common';
import {
  ADMIN_ROLE,
  bootstrapEvolver,
  SYSTEM_ACTOR_ID,
  streamIds,
  usernameReservation,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';
import { defineCommand } from '@certm3/contracts';
import { EVENT_STORE } from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';
import { CommandDefinition } from '../execution/command-definition';
import { CommandExecutor } from '../execution/command-executor';
import { installSystemRoles, systemRoleStreams } from './system-roles';

/**
 * Not a command of the bus: the command API runs it itself. Its id is fixed, so however many instances start
 * at once on the same log, one records it and the others find its outcome ("no stream" on the outcome).
 */
export const INSTALL_SYSTEM_ROLES_COMMAND_ID = '5d1c3a8e-7f42-5b6e-9c1d-2e3f4a5b6c7d';

const INSTALL_SYSTEM_ROLES = defineCommand({
  name: 'InstallSystemRoles',
  summary:
    'Creates the system roles and grants ADMIN to the bootstrapped administrator, on a log written before roles existed.',
  actor: 'none',
  permission: {
    unauthenticated:
      'run by the command API itself at start, once per log, as the system actor; never over NATS',
  },
  body: {},
  refusals: [],
});

interface UpgradeInput {
  readonly administratorId: string;
  /** Every user's current username, in the order they registered. */
  readonly usernames: readonly (readonly [userId: string, username: string])[];
}

export const installSystemRolesDefinition = {
  contract: INSTALL_SYSTEM_ROLES,
  actingUser: () => SYSTEM_ACTOR_ID,
  reads: ({ prepared }: { prepared: UpgradeInput }) => [
    ...systemRoleStreams(prepared.administratorId),
    ...prepared.usernames.map(([, username]) => streamIds.usernameReservation(username)),
  ],
  prepare: ({ body }: { body: UpgradeInput }) => body,
  decide: async ({ prepared, session }: { prepared: UpgradeInput; session: StreamSession }) => {
    // Usernames became unique in the same release: existing users reserve theirs, the first registered
    // keeping a name several hold (the others keep it too, until they change it; nobody new takes it).
    for (const [userId, username] of prepared.usernames) {
      const reservation = await session.load(streamIds.usernameReservation(username), usernameReservation);
      if (reservation.state.holder !== null) continue;
      session.append(
        reservation,
        usernameReservation.decide({ type: 'Reserve', ownerId: userId, now: session.now }, reservation.state),
      );
    }
    await installSystemRoles(session, prepared.administratorId);
    return { id: ADMIN_ROLE.roleId, revision: 0 };
  },
} as unknown as CommandDefinition;

/**
 * Upgrade in place: a log written by a release without roles has an administrator and no system roles.
 * Before this instance takes commands, it appends the events that create them and grant ADMIN to that
 * administrator — once, race-free across instances, in the audit trail as the system actor's
 * `InstallSystemRoles`. On a new log there is nothing to do (the bootstrap installs them).
 */
@Injectable()
export class SystemRolesUpgrade {
  private readonly logger = new Logger('SystemRolesUpgrade');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly executor: CommandExecutor,
  ) {}

  async ensure(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.upgrade();
      } catch (error) {
        if (attempt >= 5) {
          this.logger.error({
            message: 'system roles upgrade failed; commands needing roles are refused',
            error: describeError(error),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private async upgrade(): Promise<void> {
    const streams = await this.store.readStreams([streamIds.bootstrap(), streamIds.role(ADMIN_ROLE.roleId)]);
    const marker = (streams.get(streamIds.bootstrap()) ?? []).reduce(
      (state, event) => bootstrapEvolver.evolve(state, event as never),
      bootstrapEvolver.initialState,
    );
    const administratorId = marker.administratorId;
    if (administratorId === null || (streams.get(streamIds.role(ADMIN_ROLE.roleId)) ?? []).length > 0) return;
    const usernames = new Map<string, string>();
    for await (const event of this.store.readAll()) {
      if (event.type !== 'UserRegistered' && event.type !== 'UserProfileUpdated') continue;
      const { userId, username } = event.data as { userId: string; username: string };
      usernames.set(userId, username);
    }
    const body = { administratorId, usernames: [...usernames] };
    // Instances starting together may list a user more or less: the first to record wins, and the others'
    // bodies are its replays (the digest names the upgrade, not the list).
    const bodyDigest = `v2:${createHash('sha256').update(canonicalJson({ administratorId })).digest('hex')}`;
    const reply = await this.executor.execute(installSystemRolesDefinition, body, {
      commandName: INSTALL_SYSTEM_ROLES.name,
      commandId: INSTALL_SYSTEM_ROLES_COMMAND_ID,
      correlationId: INSTALL_SYSTEM_ROLES_COMMAND_ID,
      actorId: SYSTEM_ACTOR_ID,
      bodyDigest,
      matchesRecorded: (recorded) => recorded.bodyDigest === bodyDigest,
    });
    if (!reply.ok) throw new Error(`InstallSystemRoles refused: ${reply.error.code} ${reply.error.message}`);
    this.logger.log({
      message: 'system roles installed on a log written before roles existed',
      administratorId,
    });
  }
}
