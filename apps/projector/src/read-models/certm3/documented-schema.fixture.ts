/**
 * Seed 000 (the certM3 database design) as data, so the project checks itself against the documented
 * schema without reading the seed at test time. Types are PostgreSQL's information_schema names.
 */
export const DOCUMENTED_TABLES = {
  users: {
    columns: {
      id: 'uuid',
      username: 'character varying(255)',
      email: 'character varying(255)',
      password_hash: 'character varying(255)',
      is_active: 'boolean',
      created_at: 'timestamp without time zone',
      updated_at: 'timestamp without time zone',
      updated_by: 'uuid',
    },
    primaryKey: ['id'],
    foreignKeys: { updated_by: 'users.id' },
  },
  groups: {
    columns: {
      name: 'character varying(255)',
      description: 'text',
      created_at: 'timestamp without time zone',
      updated_at: 'timestamp without time zone',
      updated_by: 'uuid',
    },
    primaryKey: ['name'],
    foreignKeys: { updated_by: 'users.id' },
  },
  user_groups: {
    columns: {
      user_id: 'uuid',
      group_name: 'character varying(255)',
      created_at: 'timestamp without time zone',
      created_by: 'uuid',
    },
    primaryKey: ['user_id', 'group_name'],
    foreignKeys: { user_id: 'users.id', group_name: 'groups.name', created_by: 'users.id' },
  },
  certificates: {
    columns: {
      id: 'uuid',
      user_id: 'uuid',
      certificate_data: 'text',
      status: 'character varying(50)',
      revocation_reason: 'text',
      revoked_at: 'timestamp without time zone',
      revoked_by: 'uuid',
      created_at: 'timestamp without time zone',
      updated_at: 'timestamp without time zone',
      updated_by: 'uuid',
    },
    primaryKey: ['id'],
    foreignKeys: { user_id: 'users.id', revoked_by: 'users.id', updated_by: 'users.id' },
  },
} as const;

/** Seed 000, "Indexes": name → table and columns. */
export const DOCUMENTED_INDEXES = {
  users_email_idx: { table: 'users', columns: ['email'] },
  certificates_user_id_idx: { table: 'certificates', columns: ['user_id'] },
  certificates_status_idx: { table: 'certificates', columns: ['status'] },
  user_groups_user_id_idx: { table: 'user_groups', columns: ['user_id'] },
  user_groups_group_name_idx: { table: 'user_groups', columns: ['group_name'] },
} as const;
