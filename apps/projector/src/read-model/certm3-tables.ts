import { ColumnType, Generated } from 'kysely';

/**
 * The certM3 read model of seed 000, as kysely types. Timestamps are TIMESTAMP (without time zone) holding
 * UTC: written as ISO strings from the events' occurredAt, read back as text so nothing converts them.
 */
type Timestamp = ColumnType<string, string, string>;

export interface UsersTable {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  is_active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface GroupsTable {
  name: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface UserGroupsTable {
  user_id: string;
  group_name: string;
  created_at: Timestamp;
  created_by: string | null;
}

export interface CertificatesTable {
  id: string;
  user_id: string;
  certificate_data: string;
  status: 'active' | 'revoked' | 'expired';
  revocation_reason: string | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string | null;
}

/** One row per projection: how far into the log its tables are. Written in the same transaction as them. */
export interface ProjectorCheckpointTable {
  projection: string;
  /** serializePosition() of the last event applied; null before the first. */
  position: string | null;
  events_applied: ColumnType<string, string | number, string | number>;
  updated_at: ColumnType<Date, string, string>;
}

/** Events an operator chose to skip, or of a type this projector does not know: kept for the record. */
export interface ProjectorSkippedEventsTable {
  position: string;
  stream_id: string;
  stream_revision: string;
  event_type: string;
  reason: string;
  skipped_at: ColumnType<Date, string, string>;
  id: Generated<number>;
}

export interface Certm3ReadModel {
  users: UsersTable;
  groups: GroupsTable;
  user_groups: UserGroupsTable;
  certificates: CertificatesTable;
  projector_checkpoint: ProjectorCheckpointTable;
  projector_skipped_events: ProjectorSkippedEventsTable;
}

/** The tables of seed 000, the ones rebuild and verify compare. */
export const CERTM3_TABLES = ['users', 'groups', 'user_groups', 'certificates'] as const;

/** The schema dashboards read; rebuilds are built beside it and swapped in. */
export const LIVE_SCHEMA = 'certm3';
export const PROJECTION_NAME = 'certm3';
