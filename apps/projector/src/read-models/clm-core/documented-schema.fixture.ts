/**
 * Seed 001 (the CLM platform's database schema summary) as data, for clm_core_db: the names the seed
 * documents, kept as the seed writes them, and the columns certm3 chose around them. The project checks
 * itself against this without reading the seed at test time. Types are information_schema's names;
 * `null` marks a nullable column.
 */
type Column = readonly [type: string, nullable: 'null' | 'not null'];

const TZ = 'timestamp with time zone';
const stamps = {
  created_at: [TZ, 'not null'],
  updated_at: [TZ, 'not null'],
  created_by: ['uuid', 'null'],
  updated_by: ['uuid', 'null'],
} as const satisfies Record<string, Column>;

export const DOCUMENTED_TABLES = {
  users: {
    columns: {
      id: ['uuid', 'not null'],
      username: ['character varying(255)', 'not null'],
      email: ['character varying(255)', 'not null'],
      password_hash: ['character varying(255)', 'not null'],
      mfa_secret: ['character varying(255)', 'null'],
      status: ['character varying(20)', 'not null'],
      status_reason: ['text', 'null'],
      status_changed_at: [TZ, 'null'],
      deleted_at: [TZ, 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: { users_status_check: ['active', 'inactive', 'locked', 'suspended'] },
  },
  roles: {
    columns: {
      id: ['uuid', 'not null'],
      role_code: ['character varying(50)', 'not null'],
      name: ['character varying(255)', 'not null'],
      description: ['text', 'null'],
      permissions: ['jsonb', 'not null'],
      is_system: ['boolean', 'not null'],
      deleted_at: [TZ, 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: {},
  },
  user_roles: {
    columns: {
      id: ['uuid', 'not null'],
      user_id: ['uuid', 'not null'],
      role_id: ['uuid', 'not null'],
      organization_id: ['uuid', 'null'],
      assigned_at: [TZ, 'not null'],
      assigned_by: ['uuid', 'null'],
      revoked_at: [TZ, 'null'],
      revoked_by: ['uuid', 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: { user_id: 'users.id', role_id: 'roles.id', organization_id: 'organizations.id' },
    checks: {},
  },
  organizations: {
    columns: {
      id: ['uuid', 'not null'],
      org_code: ['character varying(50)', 'not null'],
      name: ['character varying(255)', 'not null'],
      description: ['text', 'null'],
      status: ['character varying(20)', 'not null'],
      status_reason: ['text', 'null'],
      deleted_at: [TZ, 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: { organizations_status_check: ['active', 'inactive'] },
  },
  user_organizations: {
    columns: {
      id: ['uuid', 'not null'],
      user_id: ['uuid', 'not null'],
      organization_id: ['uuid', 'not null'],
      joined_at: [TZ, 'not null'],
      joined_by: ['uuid', 'null'],
      deleted_at: [TZ, 'null'],
      deleted_by: ['uuid', 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: { user_id: 'users.id', organization_id: 'organizations.id' },
    checks: {},
  },
  policies: {
    columns: {
      id: ['uuid', 'not null'],
      policy_code: ['character varying(50)', 'not null'],
      name: ['character varying(255)', 'not null'],
      description: ['text', 'null'],
      organization_id: ['uuid', 'null'],
      issuer_id: ['uuid', 'not null'],
      policy_rules: ['jsonb', 'not null'],
      status: ['character varying(20)', 'not null'],
      workflow_id: ['uuid', 'null'],
      deleted_at: [TZ, 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: { organization_id: 'organizations.id' },
    checks: { policies_status_check: ['draft', 'active', 'inactive', 'archived'] },
  },
  certificate_metadata: {
    columns: {
      id: ['uuid', 'not null'],
      certificate_id: ['uuid', 'not null'],
      owner_user_id: ['uuid', 'not null'],
      organization_id: ['uuid', 'null'],
      tags: ['jsonb', 'not null'],
      environment: ['character varying(100)', 'null'],
      application: ['character varying(255)', 'null'],
      notes: ['text', 'null'],
      ...stamps,
    },
    primaryKey: ['id'],
    foreignKeys: { owner_user_id: 'users.id', organization_id: 'organizations.id' },
    checks: {},
  },
  notifications: {
    columns: {
      id: ['uuid', 'not null'],
      user_id: ['uuid', 'not null'],
      notification_type: ['character varying(50)', 'not null'],
      title: ['text', 'not null'],
      message: ['text', 'not null'],
      resource_type: ['character varying(50)', 'not null'],
      resource_id: ['character varying(255)', 'not null'],
      cause_event_id: ['uuid', 'not null'],
      is_read: ['boolean', 'not null'],
      read_at: [TZ, 'null'],
      nats_status: ['character varying(20)', 'not null'],
      nats_attempts: ['integer', 'not null'],
      nats_last_error: ['text', 'null'],
      nats_next_attempt_at: [TZ, 'null'],
      nats_last_attempt_at: [TZ, 'null'],
      nats_delivered_at: [TZ, 'null'],
      webhook_status: ['character varying(20)', 'not null'],
      webhook_attempts: ['integer', 'not null'],
      webhook_last_error: ['text', 'null'],
      webhook_next_attempt_at: [TZ, 'null'],
      webhook_last_attempt_at: [TZ, 'null'],
      webhook_delivered_at: [TZ, 'null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['id'],
    foreignKeys: { user_id: 'users.id' },
    checks: {
      notifications_nats_status_check: ['pending', 'delivered', 'retrying', 'abandoned'],
      notifications_webhook_status_check: ['pending', 'delivered', 'retrying', 'abandoned'],
      notifications_read_at_when_read: [],
    },
  },
  audit_log: {
    columns: {
      id: ['uuid', 'not null'],
      event_type: ['character varying(100)', 'not null'],
      user_id: ['uuid', 'null'],
      action: ['character varying(100)', 'not null'],
      resource_type: ['character varying(50)', 'null'],
      resource_id: ['character varying(255)', 'null'],
      outcome: ['character varying(20)', 'not null'],
      error_code: ['character varying(100)', 'null'],
      correlation_id: ['uuid', 'null'],
      command_id: ['uuid', 'null'],
      causation_id: ['uuid', 'null'],
      stream_id: ['character varying(255)', 'not null'],
      stream_revision: ['bigint', 'not null'],
      event_timestamp: [TZ, 'not null'],
      details: ['jsonb', 'not null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: { audit_log_outcome_check: ['accepted', 'refused'] },
  },
} as const;

/**
 * Indexes by name: the table and the end of pg_indexes.indexdef. Seed 001's "Key Indexes" for clm_core_db
 * (idx_users_username, idx_users_email, idx_certificate_metadata_cert_id, idx_audit_log_timestamp), its
 * "Status columns: partial indexes
 * WHERE deleted_at IS NULL", "Foreign keys: all indexed", "JSONB: GIN indexes"; unique role and org codes.
 */
export const DOCUMENTED_INDEXES = {
  idx_users_username: { table: 'users', unique: false, definition: 'USING btree (username)' },
  idx_users_email: { table: 'users', unique: false, definition: 'USING btree (email)' },
  idx_users_status: {
    table: 'users',
    unique: false,
    definition: 'USING btree (status) WHERE (deleted_at IS NULL)',
  },
  idx_roles_role_code: {
    table: 'roles',
    unique: true,
    definition: 'USING btree (role_code) WHERE (deleted_at IS NULL)',
  },
  idx_roles_permissions: { table: 'roles', unique: false, definition: 'USING gin (permissions)' },
  idx_user_roles_user_id: { table: 'user_roles', unique: false, definition: 'USING btree (user_id)' },
  idx_user_roles_role_id: { table: 'user_roles', unique: false, definition: 'USING btree (role_id)' },
  idx_user_roles_organization_id: {
    table: 'user_roles',
    unique: false,
    definition: 'USING btree (organization_id)',
  },
  idx_organizations_org_code: {
    table: 'organizations',
    unique: true,
    definition: 'USING btree (org_code) WHERE (deleted_at IS NULL)',
  },
  idx_organizations_status: {
    table: 'organizations',
    unique: false,
    definition: 'USING btree (status) WHERE (deleted_at IS NULL)',
  },
  idx_user_organizations_user_id: {
    table: 'user_organizations',
    unique: false,
    definition: 'USING btree (user_id)',
  },
  idx_user_organizations_organization_id: {
    table: 'user_organizations',
    unique: false,
    definition: 'USING btree (organization_id)',
  },
  idx_policies_policy_code: {
    table: 'policies',
    unique: true,
    definition: "USING btree (policy_code) WHERE ((status)::text <> 'archived'::text)",
  },
  idx_policies_status: {
    table: 'policies',
    unique: false,
    definition: 'USING btree (status) WHERE (deleted_at IS NULL)',
  },
  idx_policies_organization_id: {
    table: 'policies',
    unique: false,
    definition: 'USING btree (organization_id)',
  },
  idx_policies_policy_rules: { table: 'policies', unique: false, definition: 'USING gin (policy_rules)' },
  idx_certificate_metadata_cert_id: {
    table: 'certificate_metadata',
    unique: false,
    definition: 'USING btree (certificate_id)',
  },
  idx_certificate_metadata_owner_user_id: {
    table: 'certificate_metadata',
    unique: false,
    definition: 'USING btree (owner_user_id)',
  },
  idx_certificate_metadata_organization_id: {
    table: 'certificate_metadata',
    unique: false,
    definition: 'USING btree (organization_id)',
  },
  idx_certificate_metadata_tags: {
    table: 'certificate_metadata',
    unique: false,
    definition: 'USING gin (tags)',
  },
  idx_notifications_user_id: {
    table: 'notifications',
    unique: false,
    definition: 'USING btree (user_id)',
  },
  idx_notifications_user_id_unread: {
    table: 'notifications',
    unique: false,
    definition: 'USING btree (user_id, created_at DESC) WHERE (NOT is_read)',
  },
  idx_audit_log_timestamp: {
    table: 'audit_log',
    unique: false,
    definition: 'USING btree (event_timestamp DESC)',
  },
  idx_audit_log_user_id: {
    table: 'audit_log',
    unique: false,
    definition: 'USING btree (user_id, event_timestamp DESC)',
  },
  idx_audit_log_resource: {
    table: 'audit_log',
    unique: false,
    definition: 'USING btree (resource_type, resource_id, event_timestamp DESC)',
  },
  idx_audit_log_correlation_id: {
    table: 'audit_log',
    unique: false,
    definition: 'USING btree (correlation_id)',
  },
} as const;

/** Seed 001, "Auto-Update Timestamps" on every table, and audit_log's append-only guards. */
export const DOCUMENTED_TRIGGERS = {
  ...Object.fromEntries(
    Object.keys(DOCUMENTED_TABLES).map((table) => [
      `trg_${table}_updated_at`,
      {
        table,
        definition: `BEFORE UPDATE ON public.${table} FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`,
      },
    ]),
  ),
  trg_audit_log_append_only: {
    table: 'audit_log',
    definition:
      'BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_change()',
  },
  trg_audit_log_no_truncate: {
    table: 'audit_log',
    definition:
      'BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_log_change()',
  },
} as Record<string, { table: string; definition: string }>;

export const DOCUMENTED_FUNCTIONS = ['refuse_audit_log_change', 'update_updated_at_column'] as const;
export const DOCUMENTED_VIEWS = ['active_users_with_roles', 'certificate_summary'] as const;

/** Seed 001, "Common Queries: Get user with roles", verbatim. */
export const GET_USER_WITH_ROLES = `-- Get user with roles
SELECT u.*, array_agg(r.role_code) as roles
FROM users u
LEFT JOIN user_roles ur ON u.id = ur.user_id AND ur.revoked_at IS NULL
LEFT JOIN roles r ON ur.role_id = r.id
WHERE u.username = 'user@example.com' AND u.deleted_at IS NULL
GROUP BY u.id;`;
