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
  /** The same change as a row, for a batch to merge with others of its shape (see apply-events). */
  readonly change?: RowChange;
}
type Plan = (db: Db, event: RecordedEvent, at: EventStamp) => Step[];

export type ChangedTable = 'users' | 'groups' | 'user_groups' | 'certificates';

/**
 * An insert of one row, or an update of the one row whose `key` column has `values[key]`. `writes` and
 * `reads` name the rows it changes and the rows it needs (foreign keys) as "table:key", so a batch can
 * tell which changes may run together without changing the outcome.
 */
export interface RowChange {
  readonly table: ChangedTable;
  readonly kind: 'insert' | 'update';
  readonly values: Readonly<Record<string, string | boolean | null>>;
  readonly key?: string;
  readonly writes: readonly string[];
  readonly reads: readonly string[];
}

/** Column types, for reading merged rows back out of JSON (varchar columns read as text, then assigned). */
export const COLUMN_TYPES: Record<ChangedTable, Record<string, string>> = {
  users: {
    id: 'uuid',
    username: 'text',
    email: 'text',
    password_hash: 'text',
    is_active: 'boolean',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    updated_by: 'uuid',
  },
  groups: {
    name: 'text',
    description: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    updated_by: 'uuid',
  },
  user_groups: { user_id: 'uuid', group_name: 'text', created_at: 'timestamp', created_by: 'uuid' },
  certificates: {
    id: 'uuid',
    user_id: 'uuid',
    certificate_data: 'text',
    status: 'text',
    revocation_reason: 'text',
    revoked_at: 'timestamp',
    revoked_by: 'uuid',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    updated_by: 'uuid',
  },
};

const row = {
  user: (id: string) => `users:${id}`,
  group: (name: string) => `groups:${name}`,
  certificate: (id: string) => `certificates:${id}`,
  membership: (userId: string, groupName: string) => `user_groups:${userId}/${groupName}`,
};

function insertRow(
  db: Db,
  table: ChangedTable,
  values: RowChange['values'],
  touches: { writes: string[]; reads: string[] },
): Step {
  let query: CompiledQuery | undefined;
  return {
    // Compiled only if the batch runs it on its own (most are merged); typed per table at the call
    // sites, as kysely cannot follow a table name held in a variable.
    get query() {
      return (query ??= db
        .insertInto(table)
        .values(values as never)
        .compile());
    },
    change: { table, kind: 'insert', values, ...touches },
  };
}

function updateRow(
  db: Db,
  table: ChangedTable,
  key: string,
  values: RowChange['values'],
  touches: { writes: string[]; reads: string[] },
  changesOneRow: string,
): Step {
  const { [key]: keyValue, ...changes } = values;
  let query: CompiledQuery | undefined;
  return {
    get query() {
      return (query ??= db
        .updateTable(table)
        .set(changes as never)
        .where(key as never, '=', keyValue as never)
        .compile());
    },
    changesOneRow,
    change: { table, kind: 'update', key, values, ...touches },
  };
}

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
      insertRow(
        db,
        'users',
        {
          id: userId,
          username,
          email,
          password_hash: passwordHash,
          is_active: true,
          created_at: at.occurredAt,
          updated_at: at.occurredAt,
          updated_by: at.actorId,
        },
        { writes: [row.user(userId)], reads: [row.user(at.actorId)] },
      ),
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
      insertRow(
        db,
        'user_groups',
        { user_id: userId, group_name: groupName, created_at: at.occurredAt, created_by: at.actorId },
        {
          writes: [row.membership(userId, groupName)],
          reads: [row.user(userId), row.group(groupName), row.user(at.actorId)],
        },
      ),
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
      insertRow(
        db,
        'groups',
        { name, description, created_at: at.occurredAt, updated_at: at.occurredAt, updated_by: at.actorId },
        { writes: [row.group(name)], reads: [row.user(at.actorId)] },
      ),
    ];
  },
  GroupUpdated: (db, event, at) => {
    const { name, description } = event.data as { name: string; description: string | null };
    return [
      updateRow(
        db,
        'groups',
        'name',
        { name, description, updated_at: at.occurredAt, updated_by: at.actorId },
        { writes: [row.group(name)], reads: [row.user(at.actorId)] },
        `group "${name}"`,
      ),
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
      insertRow(
        db,
        'certificates',
        {
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
        },
        { writes: [row.certificate(certificateId)], reads: [row.user(userId), row.user(at.actorId)] },
      ),
    ];
  },
  CertificateRevoked: (db, event, at) => {
    const { certificateId, reason } = data(event);
    return [
      updateRow(
        db,
        'certificates',
        'id',
        {
          id: certificateId,
          status: 'revoked',
          revocation_reason: reason,
          revoked_at: at.occurredAt,
          revoked_by: at.actorId,
          updated_at: at.occurredAt,
          updated_by: at.actorId,
        },
        { writes: [row.certificate(certificateId)], reads: [row.user(at.actorId)] },
        `certificate ${certificateId}`,
      ),
    ];
  },
  CertificateExpired: (db, event, at) => {
    const { certificateId } = data(event);
    return [
      updateRow(
        db,
        'certificates',
        'id',
        { id: certificateId, status: 'expired', updated_at: at.occurredAt, updated_by: at.actorId },
        { writes: [row.certificate(certificateId)], reads: [row.user(at.actorId)] },
        `certificate ${certificateId}`,
      ),
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
    updateRow(
      db,
      'users',
      'id',
      { id: userId, ...changes, updated_at: at.occurredAt, updated_by: at.actorId },
      { writes: [row.user(userId)], reads: [row.user(at.actorId)] },
      `user ${userId}`,
    ),
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
