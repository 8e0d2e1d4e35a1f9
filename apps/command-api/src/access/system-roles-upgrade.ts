import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { canonicalJson, describeError } from '@certm3/common';
import {
  ADMIN_ROLE,
  bootstrapEvolver,
  emailReservationDecider,
  identifierKey,
  roleDecider,
  SYSTEM_ACTOR_ID,
  SYSTEM_ROLES,
  streamIds,
  usernameReservation,
} from '@certm3/domain';
import { defineCommand } from '@certm3/contracts';
import { EVENT_STORE } from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';
import { CommandDefinition } from '../execution/command-definition';
import { CommandExecutor } from '../execution/command-executor';
import { runInternalCommand } from '../execution/run-internal-command';
import { StreamSession } from '../execution/stream-session';
import { emailReservations } from '../identity/email-reservations';
import { installSystemRoles, systemRoleStreams } from './system-roles';

/**
 * Not a command of the bus: the command API runs it itself, under a new command id each time (a fixed one
 * could be taken by any client first). Instances starting together are kept to one installation by the
 * roles' own streams, created with "no stream" expected: the others decide again and find nothing to do.
 */
export const INSTALL_SYSTEM_ROLES = defineCommand({
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
  /** Users sharing each username (as compared now), in the order they registered. */
  readonly usernames: readonly (readonly string[])[];
  /** Users whose address is compared under a new key now (non-ASCII or IDN), with the address. */
  readonly emails: readonly (readonly [userId: string, email: string])[];
  readonly keyOf: readonly string[];
}

export const installSystemRolesDefinition = {
  contract: INSTALL_SYSTEM_ROLES,
  actingUser: () => SYSTEM_ACTOR_ID,
  reads: ({ prepared }: { prepared: UpgradeInput }) => [
    ...systemRoleStreams(prepared.administratorId),
    ...prepared.keyOf.map(streamIds.usernameReservation),
    ...prepared.emails.map(([, email]) => emailReservations.streamFor(email)),
  ],
  prepare: ({ body }: { body: UpgradeInput }) => body,
  decide: async ({ prepared, session }: { prepared: UpgradeInput; session: StreamSession }) => {
    // Usernames became unique in this release: existing users reserve theirs. Where an old log has several
    // users on one name, the first registered holds it and the others inherit it in turn, so nobody new
    // can take it while one of them uses it.
    for (const [index, owners] of prepared.usernames.entries()) {
      const reservation = await session.load(
        streamIds.usernameReservation(prepared.keyOf[index]),
        usernameReservation,
      );
      session.append(
        reservation,
        usernameReservation.decide(
          { type: 'ReserveShared', ownerIds: owners, now: session.now },
          reservation.state,
        ),
      );
    }
    // Addresses are compared after Unicode normalisation and IDNA now: an address whose key changed is
    // reserved under the new one too, so its look-alikes stay taken.
    for (const [userId, email] of prepared.emails) {
      const reservation = await session.load(emailReservations.streamFor(email), emailReservationDecider);
      if (reservation.state.holder !== null) continue;
      session.append(
        reservation,
        emailReservationDecider.decide({ type: 'ReserveEmail', userId, now: session.now }, reservation.state),
      );
    }
    await installSystemRoles(session, prepared.administratorId, { reactivate: true });
    return { id: ADMIN_ROLE.roleId, revision: 0 };
  },
} as unknown as CommandDefinition;

/**
 * Upgrade in place: a log written by a release without roles has an administrator and no system roles.
 * Before this instance takes commands, it appends the events that create them and grant ADMIN to that
 * administrator (reactivating them if the release before let someone deactivate them: otherwise nobody
 * could act), and reserves the usernames and changed email keys of the users already there — once,
 * race-free across instances, in the audit trail as the system actor's `InstallSystemRoles`. On a new log
 * there is nothing to do (the bootstrap installs the roles).
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

  /** Who bootstrapped the log, whether its system roles exist, and whether they are this release's. */
  private async installed(): Promise<{
    administratorId: string | null;
    installed: boolean;
    current: boolean;
  }> {
    const roleStreams = SYSTEM_ROLES.map((role) => streamIds.role(role.roleId));
    const streams = await this.store.readStreams([streamIds.bootstrap(), ...roleStreams]);
    const marker = (streams.get(streamIds.bootstrap()) ?? []).reduce(
      (state, event) => bootstrapEvolver.evolve(state, event as never),
      bootstrapEvolver.initialState,
    );
    const current = SYSTEM_ROLES.every((role) => {
      const state = (streams.get(streamIds.role(role.roleId)) ?? []).reduce(
        (folded, event) => roleDecider.evolve(folded, event as never),
        roleDecider.initialState,
      );
      return (
        state.exists &&
        roleDecider.decide(
          {
            type: 'RedefineSystemRole',
            name: role.name,
            description: role.description,
            permissions: role.permissions,
          },
          state,
        ).length === 0
      );
    });
    return {
      administratorId: marker.administratorId,
      installed: (streams.get(streamIds.role(ADMIN_ROLE.roleId)) ?? []).length > 0,
      current,
    };
  }

  private async upgrade(): Promise<void> {
    const { administratorId, installed, current } = await this.installed();
    if (administratorId === null || current) return;
    if (installed) return this.redefine(administratorId);
    const usernames = new Map<string, string>();
    const emails = new Map<string, string>();
    for await (const event of this.store.readAll()) {
      const data = event.data as { userId: string; username?: string; email?: string };
      if (event.type === 'UserRegistered' || event.type === 'UserProfileUpdated')
        usernames.set(data.userId, data.username!);
      if (event.type === 'UserRegistered' || event.type === 'UserEmailChanged')
        emails.set(data.userId, data.email!);
    }
    const sharing = new Map<string, string[]>();
    for (const [userId, username] of usernames) {
      const key = identifierKey(username);
      sharing.set(key, [...(sharing.get(key) ?? []), userId]);
    }
    const body: UpgradeInput = {
      administratorId,
      keyOf: [...sharing.keys()],
      usernames: [...sharing.values()],
      // Before this release an address was compared by its trimmed lower case.
      emails: [...emails].filter(
        ([, email]) => emailReservations.streamFor(email) !== legacyEmailStream(email),
      ),
    };
    await this.run(body);
    this.logger.log({
      message: 'system roles installed on a log written before roles existed',
      administratorId,
    });
  }

  /** System roles of an earlier release, brought to this release's definitions (nothing else to do). */
  private async redefine(administratorId: string): Promise<void> {
    await this.run({ administratorId, keyOf: [], usernames: [], emails: [] });
    this.logger.log({ message: "system roles brought to this release's definitions" });
  }

  private async run(body: UpgradeInput): Promise<void> {
    await runInternalCommand(
      this.executor,
      installSystemRolesDefinition,
      body,
      canonicalJson({ administratorId: body.administratorId }),
    );
  }
}

function legacyEmailStream(email: string): string {
  return streamIds.emailReservation(createHash('sha256').update(email.trim().toLowerCase()).digest('hex'));
}
