import {
  authorize,
  certificateDecider,
  CommandTarget,
  organizationDecider,
  PermissionName,
  refuse,
  RoleAssignment,
  roleDecider,
  RoleGrants,
  RolePermissions,
  rolesOf,
  scopedGrantsOf,
  streamIds,
  upcastEventData,
  userDecider,
} from '@certm3/domain';
import { EventStore, RecordedEvent, StreamCondition } from '@certm3/event-store';
import { ActiveActors, KnownRoles, RememberedRole } from './active-actors';
import { StreamSession } from './stream-session';

/**
 * What a command acts on: its resource in the audit log, and where an organization-scoped grant applies.
 * `organizationId` fixes the scope (null: only a global grant will do); otherwise it is the organizations
 * the target belongs to — a user's memberships, a certificate owner's, an organization itself.
 */
export interface AccessTarget extends CommandTarget {
  readonly organizationId?: string | null;
  /** The user whose organizations scope it (a certificate being registered belongs to its owner's). */
  readonly ownerUserId?: string;
}

/** The actor as authorization sees them, with the condition their stream must meet at commit. */
export interface ActingUser {
  readonly actorId: string;
  readonly condition: StreamCondition;
  readonly assignments: readonly RoleAssignment[];
}

function fold<State, Event>(
  decider: { evolve(state: State, event: Event): State; initialState: State },
  events: readonly RecordedEvent[],
): State {
  let state = decider.initialState;
  for (const event of events)
    state = decider.evolve(state, {
      type: event.type,
      data: upcastEventData(event.type, event.data, event.metadata),
    } as Event);
  return state;
}

/**
 * Reads (or remembers) actors and roles for the executor. Everything an authorization used becomes a
 * condition of the command's commit, so no command is accepted on a grant revoked before it committed.
 */
export class AccessReader {
  readonly actors = new ActiveActors();
  readonly roles = new KnownRoles();

  constructor(private readonly store: EventStore) {}

  /**
   * The actor with their live assignments, or — when they do not exist or are not active — the condition
   * a refusal must commit on (their stream as read), so a reactivation racing it makes it decide again.
   */
  async actingUser(
    actorId: string,
    options: { fresh?: boolean } = {},
  ): Promise<ActingUser | { readonly refusedOn: StreamCondition }> {
    const streamId = streamIds.user(actorId);
    // A command's commit checks what was remembered (a stale memory fails its condition and is read again);
    // a query commits nothing, so it reads afresh.
    const remembered = options.fresh ? undefined : this.actors.get(actorId);
    if (remembered)
      return {
        actorId,
        condition: { streamId, expectedRevision: remembered.revision },
        assignments: remembered.assignments,
      };
    const events = (await this.store.readStreams([streamId])).get(streamId) ?? [];
    const state = fold(userDecider, events);
    if (!state.exists || state.status !== 'active')
      return {
        refusedOn: {
          streamId,
          expectedRevision: events.length > 0 ? events[events.length - 1].revision : 'no_stream',
        },
      };
    const revision = events[events.length - 1].revision;
    const assignments = [...state.assignments.values()];
    this.actors.remember(actorId, { revision, assignments });
    return { actorId, condition: { streamId, expectedRevision: revision }, assignments };
  }

  /** The roles the assignments name, read together where not remembered. */
  async rolesFor(
    assignments: readonly RoleAssignment[],
    options: { fresh?: boolean } = {},
  ): Promise<Map<string, RememberedRole>> {
    const roleIds = rolesOf(assignments);
    const known = new Map<string, RememberedRole>();
    const missing: string[] = [];
    for (const roleId of roleIds) {
      const remembered = options.fresh ? undefined : this.roles.get(roleId);
      if (remembered) known.set(roleId, remembered);
      else missing.push(roleId);
    }
    if (missing.length > 0) {
      const read = await this.store.readStreams(missing.map(streamIds.role));
      for (const roleId of missing) {
        const events = read.get(streamIds.role(roleId)) ?? [];
        const state = fold(roleDecider, events);
        const role: RememberedRole = {
          revision: events.length > 0 ? events[events.length - 1].revision : 'no_stream',
          grants: state.exists
            ? { roleId, permissions: state.permissions, deleted: state.deleted }
            : undefined,
        };
        this.roles.remember(roleId, role);
        known.set(roleId, role);
      }
    }
    return known;
  }

  /** Forgets what a failed condition shows to be out of date. */
  forgetStream(streamId: string): void {
    if (streamId.startsWith('user-')) this.actors.forget(streamId.slice('user-'.length));
    else if (streamId.startsWith('role-')) this.roles.forget(streamId.slice('role-'.length));
  }
}

/**
 * One command attempt's authorization: checks permissions for the actor and collects the conditions the
 * commit must meet (the actor's stream, the granting role's stream; target streams are read through the
 * session, which holds them itself).
 */
export class AccessCheck {
  private readonly conditions = new Map<string, StreamCondition>();

  constructor(
    private readonly actor: ActingUser,
    private readonly roles: Map<string, RememberedRole>,
    /** Reads the target's streams, held at commit; undefined where only a global grant can count. */
    private readonly session: StreamSession | undefined,
  ) {
    this.conditions.set(actor.condition.streamId, actor.condition);
  }

  get actorId(): string {
    return this.actor.actorId;
  }

  /** The streams this check relied on, at the revisions it relied on them. */
  commitConditions(): StreamCondition[] {
    return [...this.conditions.values()];
  }

  /**
   * Refuses with PERMISSION_DENIED unless the actor holds `permission` globally, or in the organization the
   * target is scoped to. A scoped grant reaches a user (or a certificate through its owner) only when that
   * user holds no global role and belongs to at least one organization, every one of them active and
   * within the grant: an organization's administrators manage their members, never an account that is
   * also someone else's, nor one above them.
   */
  async require(permission: PermissionName, target: AccessTarget | undefined): Promise<void> {
    const roleOf = (roleId: string): RoleGrants | undefined => this.roles.get(roleId)?.grants;
    const assignments = this.actor.assignments;
    const global = authorize({ permission, assignments, roleOf });
    if (global.granted) return this.holdRole(global.via.roleId);
    const scopes = scopedGrantsOf({ permission, assignments, roleOf });
    if (scopes.size > 0 && target && this.session) {
      const organizations = await this.scopeOf(target, scopes);
      if (organizations.size > 0) {
        for (const assignment of assignments)
          if (assignment.organizationId && organizations.has(assignment.organizationId)) {
            const granted = authorize({
              permission,
              assignments: [assignment],
              roleOf,
              targetOrganizations: organizations,
            });
            if (granted.granted) this.holdRole(assignment.roleId);
          }
        return;
      }
    }
    // A refusal is held to every role it consulted: one changed meanwhile (a permission added on another
    // instance) makes the command decide again on a fresh read instead of recording a stale refusal.
    for (const assignment of assignments) this.holdRole(assignment.roleId);
    refuse('PERMISSION_DENIED', `the acting user lacks ${permission}`, [{ permission }]);
  }

  /**
   * No escalation: granting a role (creating it, changing it, assigning it) needs every permission it holds,
   * in the scope it is granted in (`organizationId`; null: everywhere). PERMISSION_DENIED names the first
   * one the actor lacks.
   */
  async requireEach(permissions: RolePermissions, organizationId: string | null): Promise<void> {
    const target: AccessTarget | undefined =
      organizationId === null ? undefined : { type: 'organization', id: organizationId, organizationId };
    for (const [resource, actions] of Object.entries(permissions))
      for (const action of actions as readonly string[])
        await this.require(`${resource}:${action}` as PermissionName, target);
  }

  private holdRole(roleId: string): void {
    const role = this.roles.get(roleId);
    const streamId = streamIds.role(roleId);
    this.conditions.set(streamId, { streamId, expectedRevision: role ? role.revision : 'no_stream' });
  }

  /**
   * The organizations a scoped grant may reach the target through — every one live, active and among the
   * actor's `candidates` — or none. Each stream read goes through the session, so it is held at commit.
   */
  private async scopeOf(target: AccessTarget, candidates: ReadonlySet<string>): Promise<Set<string>> {
    const session = this.session!;
    let userId: string | undefined;
    let organizations: Iterable<string> = [];
    if (target.organizationId !== undefined)
      organizations = target.organizationId === null ? [] : [target.organizationId];
    else if (target.ownerUserId !== undefined) userId = target.ownerUserId;
    else if (target.type === 'organization') organizations = [target.id];
    else if (target.type === 'user') userId = target.id;
    else if (target.type === 'certificate') {
      const certificate = await session.load(streamIds.certificate(target.id), certificateDecider);
      if (certificate.state.exists) userId = certificate.state.userId;
    }
    if (userId !== undefined) {
      const user = await session.load(streamIds.user(userId), userDecider);
      if (!user.state.exists) return new Set();
      const holdsGlobalRole = [...user.state.assignments.values()].some((a) => a.organizationId === null);
      if (holdsGlobalRole) return new Set();
      organizations = user.state.organizations;
    }
    const reached = new Set<string>();
    for (const organizationId of organizations) {
      if (!candidates.has(organizationId)) return new Set();
      const organization = await session.load(streamIds.organization(organizationId), organizationDecider);
      const state = organization.state;
      if (!state.exists || state.deleted || state.status !== 'active') return new Set();
      reached.add(organizationId);
    }
    return reached;
  }
}
