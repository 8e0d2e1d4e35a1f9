import { CompiledQuery, Kysely } from 'kysely';
import { RecordedEvent } from '@certm3/event-store';
import { Certm3ReadModel } from './certm3-tables';

type Db = Kysely<Certm3ReadModel>;

/**
 * One statement an event turns into, compiled by kysely, and what it must do: change exactly one row, or
 * anything. Plans are data, so a batch can run them one by one or all in a single round trip.
 */
export interface Step {
  readonly query: CompiledQuery;
  readonly changesOneRow?: string;
}
type Plan = (db: Db, event: RecordedEvent, at: EventStamp) => Step[];

/** When and by whom: the event's own metadata, never the projector's clock, so rebuilds are identical. */
export interface EventStamp {
  readonly occurredAt: string;
  readonly actorId: string;
}

/** An event the projection cannot apply to the tables as they are: the run stops on it, by name. */
export class ProjectionError extends Error {}

/** Events of other concerns (reservations, command outcomes, bootstrap marker): no effect on these tables. */
const NOT_FOR_THIS_MODEL = new Set([
  'AdministratorBootstrapped',
  'EmailReserved',
  'EmailReleased',
  'CommandSucceeded',
  'CommandRejected',
]);

const data = (event: RecordedEvent) => event.data as Record<string, string>;

const PLANS: Record<string, Plan> = {
  UserRegistered: (db, event, at) => {
    const { userId, username, email, passwordHash } = data(event);
    return [
      {
        query: db
          .insertInto('users')
          .values({
            id: userId,
            username,
            email,
            password_hash: passwordHash,
            is_active: true,
            created_at: at.occurredAt,
            updated_at: at.occurredAt,
            updated_by: at.actorId,
          })
          .compile(),
      },
    ];
  },
  UserEmailChanged: (db, event, at) => updateUser(db, event, at, { email: data(event).email }),
  UserProfileUpdated: (db, event, at) => updateUser(db, event, at, { username: data(event).username }),
  UserPasswordChanged: (db, event, at) =>
    updateUser(db, event, at, { password_hash: data(event).passwordHash }),
  UserDeactivated: (db, event, at) => updateUser(db, event, at, { is_active: false }),
  UserReactivated: (db, event, at) => updateUser(db, event, at, { is_active: true }),
  UserAddedToGroup: (db, event, at) => {
    const { userId, groupName } = data(event);
    return [
      {
        query: db
          .insertInto('user_groups')
          .values({
            user_id: userId,
            group_name: groupName,
            created_at: at.occurredAt,
            created_by: at.actorId,
          })
          .compile(),
      },
    ];
  },
  UserRemovedFromGroup: (db, event) => {
    const { userId, groupName } = data(event);
    return [
      {
        query: db
          .deleteFrom('user_groups')
          .where('user_id', '=', userId)
          .where('group_name', '=', groupName)
          .compile(),
        changesOneRow: `membership of ${userId} in "${groupName}"`,
      },
    ];
  },
  GroupCreated: (db, event, at) => {
    const { name, description } = event.data as { name: string; description: string | null };
    return [
      {
        query: db
          .insertInto('groups')
          .values({
            name,
            description,
            created_at: at.occurredAt,
            updated_at: at.occurredAt,
            updated_by: at.actorId,
          })
          .compile(),
      },
    ];
  },
  GroupUpdated: (db, event, at) => {
    const { name, description } = event.data as { name: string; description: string | null };
    return [
      {
        query: db
          .updateTable('groups')
          .set({ description, updated_at: at.occurredAt, updated_by: at.actorId })
          .where('name', '=', name)
          .compile(),
        changesOneRow: `group "${name}"`,
      },
    ];
  },
  GroupDeleted: (db, event) => {
    const { name } = data(event);
    return [
      // The group's memberships end with it (the "users" group is never deleted).
      { query: db.deleteFrom('user_groups').where('group_name', '=', name).compile() },
      { query: db.deleteFrom('groups').where('name', '=', name).compile(), changesOneRow: `group "${name}"` },
    ];
  },
  CertificateRegistered: (db, event, at) => {
    const { certificateId, userId, certificateData } = data(event);
    return [
      {
        query: db
          .insertInto('certificates')
          .values({
            id: certificateId,
            user_id: userId,
            certificate_data: certificateData,
            status: 'active',
            revocation_reason: null,
            revoked_at: null,
            revoked_by: null,
            created_at: at.occurredAt,
            updated_at: at.occurredAt,
            updated_by: at.actorId,
          })
          .compile(),
      },
    ];
  },
  CertificateRevoked: (db, event, at) => {
    const { certificateId, reason } = data(event);
    return [
      {
        query: db
          .updateTable('certificates')
          .set({
            status: 'revoked',
            revocation_reason: reason,
            revoked_at: at.occurredAt,
            revoked_by: at.actorId,
            updated_at: at.occurredAt,
            updated_by: at.actorId,
          })
          .where('id', '=', certificateId)
          .compile(),
        changesOneRow: `certificate ${certificateId}`,
      },
    ];
  },
  CertificateExpired: (db, event, at) => {
    const { certificateId } = data(event);
    return [
      {
        query: db
          .updateTable('certificates')
          .set({ status: 'expired', updated_at: at.occurredAt, updated_by: at.actorId })
          .where('id', '=', certificateId)
          .compile(),
        changesOneRow: `certificate ${certificateId}`,
      },
    ];
  },
};

function updateUser(
  db: Db,
  event: RecordedEvent,
  at: EventStamp,
  changes: { email?: string; username?: string; password_hash?: string; is_active?: boolean },
): Step[] {
  const { userId } = data(event);
  return [
    {
      query: db
        .updateTable('users')
        .set({ ...changes, updated_at: at.occurredAt, updated_by: at.actorId })
        .where('id', '=', userId)
        .compile(),
      changesOneRow: `user ${userId}`,
    },
  ];
}

export type ApplyOutcome = 'applied' | 'not-for-this-model' | 'unknown-type';

export type PlannedEvent =
  | { readonly outcome: 'applied'; readonly steps: Step[] }
  | { readonly outcome: 'not-for-this-model' | 'unknown-type'; readonly steps: [] };

/** The statements that apply one event to the certM3 tables (none for events of other concerns). */
export function planCertm3Event(db: Db, event: RecordedEvent): PlannedEvent {
  const plan = PLANS[event.type];
  if (!plan)
    return { outcome: NOT_FOR_THIS_MODEL.has(event.type) ? 'not-for-this-model' : 'unknown-type', steps: [] };
  const occurredAt = event.metadata.occurredAt;
  const actorId = event.metadata.actorId;
  if (typeof occurredAt !== 'string' || typeof actorId !== 'string') {
    throw new ProjectionError('the event has no occurredAt or actorId in its metadata');
  }
  return { outcome: 'applied', steps: plan(db, event, { occurredAt, actorId }) };
}

/** Runs one event's steps, each in its own round trip, checking what each must change. */
export async function runSteps(db: Db, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    const result = await db.executeQuery(step.query);
    if (step.changesOneRow && result.numAffectedRows !== 1n) {
      throw new ProjectionError(
        `${step.changesOneRow}: expected to change 1 row, changed ${result.numAffectedRows ?? 0}`,
      );
    }
  }
}
