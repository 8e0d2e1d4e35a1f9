import {
  AnyColumn,
  bigint,
  bytea,
  customType,
  defineFunction,
  defineTable,
  defineView,
  jsonb,
  readModelKit,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
} from '../index';

/**
 * A small read model of the machinery's own tests, with what the CLM platform's databases (seed 001) will
 * need: timestamptz, jsonb with a GIN index, a partial index `WHERE deleted_at IS NULL`, enum-like checks,
 * defaults, a composite key, a unique constraint, a view and a `trg_<table>_updated_at` trigger calling
 * `update_updated_at_column()`; and a table of readings holding every other kind of value (bytea, bigint,
 * timestamp, an array, jsonb, a default). It knows nothing of certm3.
 */
export type SampleEvent =
  | {
      type: 'TeamCreated';
      data: { teamId: string; code: string; name: string; settings: Record<string, unknown> };
    }
  | { type: 'TeamRenamed'; data: { teamId: string; name: string } }
  | { type: 'TeamArchived'; data: { teamId: string } }
  | { type: 'MemberJoined'; data: { teamId: string; memberId: string; role: 'owner' | 'member' } }
  | { type: 'MemberLeft'; data: { teamId: string; memberId: string } }
  | { type: 'Pinged'; data: Record<string, never> }
  | { type: 'ReadingTaken'; data: ReadingData }
  | { type: 'ReadingCorrected'; data: Pick<ReadingData, 'readingId' | 'counter' | 'note'> };

/**
 * A reading: every value kind a handler may hand the row writer besides text and numbers, each optional
 * (left out, a column gets its default). Event data is JSON, so the handler makes the JavaScript values.
 */
export interface ReadingData {
  readingId: string;
  /** Hex of the bytes: a Buffer in `raw` (bytea). */
  raw?: string;
  /** Digits: a JavaScript bigint in `counter` (bigint). */
  counter?: string;
  /** ISO 8601: a Date in `taken_at` (timestamp, without time zone, holding UTC). */
  takenAt?: string;
  /** An array in `tags` (text[]). */
  tags?: string[];
  /** Any JSON in `labels` (jsonb). */
  labels?: unknown;
  /** Undefined leaves `note` to its default ('none'), or as it is on an update. */
  note?: string;
}

/** Keeps the time a projection wrote; stamps now() only on an update that left it as it was. */
export const updateUpdatedAtColumn = defineFunction('update_updated_at_column', {
  returns: 'trigger',
  language: 'plpgsql',
  body: `
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at = now();
  END IF;
  RETURN NEW;
END`,
});

/** The teams table; a test of a definition that grew passes the columns it gained. */
export function teamsTable<const Extra extends Record<string, AnyColumn> = Record<never, never>>(
  extra?: Extra,
) {
  return defineTable('teams', {
    columns: {
      ...(extra as Extra),
      id: uuid().primaryKey(),
      code: varchar(32).notNull().unique(),
      name: text().notNull(),
      status: varchar(20).notNull().default("'active'").oneOf(['active', 'archived']),
      settings: jsonb<Record<string, unknown>>().notNull().default("'{}'::jsonb"),
      created_at: timestamptz().notNull(),
      updated_at: timestamptz().notNull(),
      deleted_at: timestamptz(),
    },
    indexes: {
      idx_teams_status: { columns: ['status'], where: 'deleted_at IS NULL' },
      idx_teams_settings: { columns: ['settings'], using: 'gin' },
      idx_teams_created: { columns: ['created_at DESC'] },
    },
    checks: { teams_name_not_blank: "btrim(name) <> ''" },
    triggers: {
      trg_teams_updated_at: {
        timing: 'BEFORE',
        events: ['UPDATE'],
        forEach: 'ROW',
        execute: updateUpdatedAtColumn,
      },
    },
  });
}

export const teams = teamsTable();

export const teamMembers = defineTable('team_members', {
  columns: {
    team_id: uuid().notNull().references('teams', 'id'),
    member_id: uuid().notNull(),
    role: varchar(20).notNull().oneOf(['owner', 'member']),
    joined_at: timestamptz().notNull(),
  },
  primaryKey: ['team_id', 'member_id'],
  indexes: { idx_team_members_member: { columns: ['member_id'] } },
});

export const activeTeams = defineView(
  'active_teams',
  `SELECT t.id, t.code, t.name, count(m.member_id) AS members
     FROM teams t LEFT JOIN team_members m ON m.team_id = t.id
    WHERE t.deleted_at IS NULL
    GROUP BY t.id, t.code, t.name`,
);

export const readings = defineTable('readings', {
  columns: {
    id: uuid().primaryKey(),
    raw: bytea(),
    counter: bigint(),
    taken_at: timestamp(),
    tags: customType<string[]>('text[]'),
    labels: jsonb<unknown>(),
    note: text().default("'none'"),
  },
});

const at = (event: { metadata: Record<string, unknown> }) => String(event.metadata.occurredAt);

export const { defineProjection, defineReadModel } = readModelKit<SampleEvent>();

export const teamsProjection = defineProjection({
  name: 'teams',
  tables: [teams, teamMembers],
  handlers: {
    TeamCreated: (event, rows) => [
      rows.insert('teams', {
        id: event.data.teamId,
        code: event.data.code,
        name: event.data.name,
        settings: event.data.settings,
        created_at: at(event),
        updated_at: at(event),
      }),
    ],
    TeamRenamed: (event, rows) => [
      rows.update('teams', { id: event.data.teamId }, { name: event.data.name, updated_at: at(event) }),
    ],
    TeamArchived: (event, rows) => [
      rows.update(
        'teams',
        { id: event.data.teamId },
        { status: 'archived', deleted_at: at(event), updated_at: at(event) },
      ),
    ],
    MemberJoined: (event, rows) => [
      rows.insert('team_members', {
        team_id: event.data.teamId,
        member_id: event.data.memberId,
        role: event.data.role,
        joined_at: at(event),
      }),
    ],
    MemberLeft: (event, rows) => [
      rows.delete('team_members', { team_id: event.data.teamId, member_id: event.data.memberId }),
    ],
  },
});

const optional = <T, R>(value: T | undefined, convert: (value: T) => R): R | undefined =>
  value === undefined ? undefined : convert(value);

export const readingsProjection = defineProjection({
  name: 'readings',
  tables: [readings],
  handlers: {
    ReadingTaken: (event, rows) => [
      rows.insert('readings', {
        id: event.data.readingId,
        raw: optional(event.data.raw, (hex) => Buffer.from(hex, 'hex')),
        counter: optional(event.data.counter, BigInt),
        taken_at: optional(event.data.takenAt, (iso) => new Date(iso)),
        tags: event.data.tags,
        labels: event.data.labels,
        note: event.data.note,
      }),
    ],
    ReadingCorrected: (event, rows) => [
      rows.update(
        'readings',
        { id: event.data.readingId },
        { counter: optional(event.data.counter, BigInt), note: event.data.note },
      ),
    ],
  },
});

export function sampleModel(
  name = 'sample',
  overrides: { projectionVersion?: number; tablesSchema?: string } = {},
) {
  return defineReadModel({
    name,
    database: {
      setting: `${name.toUpperCase()}_DATABASE_URL`,
      defaultUrl: `postgres://postgres@127.0.0.1:5432/${name}`,
    },
    projections: [teamsProjection, readingsProjection],
    ignores: ['Pinged'],
    views: [activeTeams],
    projectionVersion: overrides.projectionVersion ?? 1,
    tablesSchema: overrides.tablesSchema,
  });
}
