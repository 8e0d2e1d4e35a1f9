import { Kysely } from 'kysely';
import { RecordedEvent } from '@certm3/event-store';
import { Certm3ReadModel } from './certm3-tables';

type Db = Kysely<Certm3ReadModel>;
type Apply = (db: Db, event: RecordedEvent, at: EventStamp) => Promise<void>;

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

async function updateOne(
  query: Promise<{ numUpdatedRows: bigint }[] | { numUpdatedRows: bigint }>,
  what: string,
) {
  const result = await query;
  const rows = Array.isArray(result)
    ? result.reduce((sum, r) => sum + r.numUpdatedRows, 0n)
    : result.numUpdatedRows;
  if (rows !== 1n) throw new ProjectionError(`${what}: expected to change 1 row, changed ${rows}`);
}

const data = (event: RecordedEvent) => event.data as Record<string, string>;

const APPLIERS: Record<string, Apply> = {
  UserRegistered: async (db, event, at) => {
    const { userId, username, email, passwordHash } = data(event);
    await db
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
      .execute();
  },
  UserEmailChanged: (db, event, at) => updateUser(db, event, at, { email: data(event).email }),
  UserProfileUpdated: (db, event, at) => updateUser(db, event, at, { username: data(event).username }),
  UserPasswordChanged: (db, event, at) =>
    updateUser(db, event, at, { password_hash: data(event).passwordHash }),
  UserDeactivated: (db, event, at) => updateUser(db, event, at, { is_active: false }),
  UserReactivated: (db, event, at) => updateUser(db, event, at, { is_active: true }),
  UserAddedToGroup: async (db, event, at) => {
    const { userId, groupName } = data(event);
    await db
      .insertInto('user_groups')
      .values({ user_id: userId, group_name: groupName, created_at: at.occurredAt, created_by: at.actorId })
      .execute();
  },
  UserRemovedFromGroup: async (db, event) => {
    const { userId, groupName } = data(event);
    const result = await db
      .deleteFrom('user_groups')
      .where('user_id', '=', userId)
      .where('group_name', '=', groupName)
      .executeTakeFirst();
    if (result.numDeletedRows !== 1n)
      throw new ProjectionError(`membership of ${userId} in "${groupName}" not found`);
  },
  GroupCreated: async (db, event, at) => {
    const { name, description } = event.data as { name: string; description: string | null };
    await db
      .insertInto('groups')
      .values({
        name,
        description,
        created_at: at.occurredAt,
        updated_at: at.occurredAt,
        updated_by: at.actorId,
      })
      .execute();
  },
  GroupUpdated: async (db, event, at) => {
    const { name, description } = event.data as { name: string; description: string | null };
    await updateOne(
      db
        .updateTable('groups')
        .set({ description, updated_at: at.occurredAt, updated_by: at.actorId })
        .where('name', '=', name)
        .execute(),
      `group "${name}"`,
    );
  },
  GroupDeleted: async (db, event) => {
    const { name } = data(event);
    // The group's memberships end with it (the "users" group is never deleted).
    await db.deleteFrom('user_groups').where('group_name', '=', name).execute();
    const result = await db.deleteFrom('groups').where('name', '=', name).executeTakeFirst();
    if (result.numDeletedRows !== 1n) throw new ProjectionError(`group "${name}" not found`);
  },
  CertificateRegistered: async (db, event, at) => {
    const { certificateId, userId, certificateData } = data(event);
    await db
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
      .execute();
  },
  CertificateRevoked: async (db, event, at) => {
    const { certificateId, reason } = data(event);
    await updateOne(
      db
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
        .execute(),
      `certificate ${certificateId}`,
    );
  },
  CertificateExpired: async (db, event, at) => {
    const { certificateId } = data(event);
    await updateOne(
      db
        .updateTable('certificates')
        .set({ status: 'expired', updated_at: at.occurredAt, updated_by: at.actorId })
        .where('id', '=', certificateId)
        .execute(),
      `certificate ${certificateId}`,
    );
  },
};

function updateUser(
  db: Db,
  event: RecordedEvent,
  at: EventStamp,
  changes: { email?: string; username?: string; password_hash?: string; is_active?: boolean },
) {
  const { userId } = data(event);
  return updateOne(
    db
      .updateTable('users')
      .set({ ...changes, updated_at: at.occurredAt, updated_by: at.actorId })
      .where('id', '=', userId)
      .execute(),
    `user ${userId}`,
  );
}

export type ApplyOutcome = 'applied' | 'not-for-this-model' | 'unknown-type';

/** Applies one event to the certM3 tables inside the caller's transaction. */
export async function applyCertm3Event(db: Db, event: RecordedEvent): Promise<ApplyOutcome> {
  const apply = APPLIERS[event.type];
  if (!apply) return NOT_FOR_THIS_MODEL.has(event.type) ? 'not-for-this-model' : 'unknown-type';
  const occurredAt = event.metadata.occurredAt;
  const actorId = event.metadata.actorId;
  if (typeof occurredAt !== 'string' || typeof actorId !== 'string') {
    throw new ProjectionError('the event has no occurredAt or actorId in its metadata');
  }
  await apply(db, event, { occurredAt, actorId });
  return 'applied';
}
