/**
 * Seed 001 (the CLM platform's database schema summary) as data, for clm_secure_db: the names the seed
 * documents, kept as the seed writes them, and the columns certm3 chose around them. The project checks
 * itself against this without reading the seed at test time. Types are information_schema's names;
 * `null` marks a nullable column.
 */
const TZ = 'timestamp with time zone';

export const DOCUMENTED_TABLES = {
  encryption_keys: {
    columns: {
      key_id: ['uuid', 'not null'],
      key_type: ['text', 'not null'],
      key_status: ['character varying(20)', 'not null'],
      created_at: [TZ, 'not null'],
      retired_at: [TZ, 'null'],
      destroyed_at: [TZ, 'null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['key_id'],
    foreignKeys: {},
    checks: { encryption_keys_key_status_check: ['active', 'retired', 'destroyed'] },
  },
  certificates: {
    columns: {
      id: ['uuid', 'not null'],
      certificate_id: ['uuid', 'not null'],
      common_name: ['text', 'null'],
      serial_number: ['text', 'null'],
      issuer: ['text', 'null'],
      issuer_id: ['uuid', 'null'],
      subject: ['text', 'not null'],
      subject_alternative_names: ['jsonb', 'not null'],
      not_before: [TZ, 'null'],
      not_after: [TZ, 'null'],
      status: ['character varying(20)', 'not null'],
      owner_user_id: ['uuid', 'null'],
      policy_id: ['uuid', 'null'],
      workflow_id: ['uuid', 'null'],
      organization_id: ['uuid', 'null'],
      certificate_pem: ['text', 'null'],
      fingerprint_sha256: ['character varying(64)', 'null'],
      public_key_fingerprint: ['character varying(64)', 'null'],
      key_algorithm: ['character varying(20)', 'null'],
      key_size: ['integer', 'null'],
      is_ca: ['boolean', 'not null'],
      imported: ['boolean', 'not null'],
      key_source: ['text', 'null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
      deleted_at: [TZ, 'null'],
      revoked_at: [TZ, 'null'],
      revocation_reason: ['character varying(32)', 'null'],
      marked_expiring_at: [TZ, 'null'],
      renewal_of: ['uuid', 'null'],
      successor_id: ['uuid', 'null'],
      renewed_at: [TZ, 'null'],
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: {
      certificates_status_check: ['pending', 'active', 'expiring', 'expired', 'revoked', 'suspended'],
      certificates_key_source_check: ['csr', 'server'],
      certificates_certificate_id_is_id: [],
      certificates_pem_unless_pending: ['pending'],
    },
  },
  certificate_revocations: {
    columns: {
      id: ['uuid', 'not null'],
      certificate_id: ['uuid', 'not null'],
      revocation_reason: ['character varying(32)', 'not null'],
      crl_reason_code: ['smallint', 'not null'],
      revoked_at: [TZ, 'not null'],
      revoked_by: ['uuid', 'null'],
      comment: ['text', 'null'],
      invalidity_date: [TZ, 'null'],
      released_at: [TZ, 'null'],
      released_by: ['uuid', 'null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['id'],
    foreignKeys: { certificate_id: 'certificates.id' },
    checks: {
      certificate_revocations_revocation_reason_check: [
        'unspecified',
        'keyCompromise',
        'cACompromise',
        'affiliationChanged',
        'superseded',
        'cessationOfOperation',
        'privilegeWithdrawn',
        'aACompromise',
        'certificateHold',
      ],
      certificate_revocations_release_only_holds: ['certificateHold'],
    },
  },
  private_keys: {
    columns: {
      id: ['uuid', 'not null'],
      certificate_id: ['uuid', 'not null'],
      encrypted_key_material: ['text', 'null'],
      data_key_id: ['uuid', 'not null'],
      encryption_key_id: ['uuid', 'null'],
      key_algorithm: ['character varying(50)', 'not null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
      destroyed_at: [TZ, 'null'],
    },
    primaryKey: ['id'],
    foreignKeys: { certificate_id: 'certificates.id', encryption_key_id: 'encryption_keys.key_id' },
    checks: { private_keys_sealed_until_destroyed: [] },
  },
  certificate_requests: {
    columns: {
      request_id: ['uuid', 'not null'],
      status: ['character varying(20)', 'not null'],
      policy_id: ['uuid', 'not null'],
      ca_id: ['uuid', 'not null'],
      organization_id: ['uuid', 'null'],
      requested_by: ['uuid', 'not null'],
      owner_user_id: ['uuid', 'not null'],
      key_source: ['text', 'not null'],
      csr_pem: ['text', 'null'],
      subject: ['jsonb', 'not null'],
      subject_alternative_names: ['jsonb', 'not null'],
      key_algorithm: ['character varying(20)', 'not null'],
      key_size: ['integer', 'not null'],
      not_after: [TZ, 'not null'],
      certificate_id: ['uuid', 'null'],
      created_at: [TZ, 'not null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['request_id'],
    foreignKeys: { certificate_id: 'certificates.id' },
    checks: {
      certificate_requests_status_check: ['pending', 'pending_approval', 'issued', 'rejected', 'cancelled'],
      certificate_requests_key_source_check: ['csr', 'server'],
    },
  },
  key_rotation_history: {
    columns: {
      rotation_id: ['uuid', 'not null'],
      old_key_id: ['uuid', 'not null'],
      new_key_id: ['uuid', 'not null'],
      started_at: [TZ, 'not null'],
      completed_at: [TZ, 'null'],
      keys_rewrapped: ['integer', 'null'],
      rotated_by: ['uuid', 'null'],
      updated_at: [TZ, 'not null'],
    },
    primaryKey: ['rotation_id'],
    foreignKeys: {},
    checks: {},
  },
  secure_audit_log: {
    columns: {
      id: ['uuid', 'not null'],
      event_type: ['character varying(100)', 'not null'],
      user_id: ['uuid', 'null'],
      action: ['character varying(100)', 'not null'],
      resource_type: ['character varying(50)', 'not null'],
      resource_id: ['character varying(255)', 'not null'],
      details: ['jsonb', 'not null'],
      event_timestamp: [TZ, 'not null'],
    },
    primaryKey: ['id'],
    foreignKeys: {},
    checks: {},
  },
} as const;

/**
 * Indexes by name: the table and the end of pg_indexes.indexdef. Seed 001's "Key Indexes" for
 * clm_secure_db (idx_certificates_status, idx_certificates_expiry, idx_certificates_owner,
 * idx_private_keys_cert, idx_secure_audit_timestamp) — partial `WHERE deleted_at IS NULL` on the
 * certificates, as the seed's queries filter — and the ones certm3 adds: foreign keys (the revocations'
 * certificate among them), the audit trail by resource and by user, the serial per issuer.
 */
export const DOCUMENTED_INDEXES = {
  idx_certificates_status: {
    table: 'certificates',
    unique: false,
    definition: 'USING btree (status) WHERE (deleted_at IS NULL)',
  },
  idx_certificates_expiry: {
    table: 'certificates',
    unique: false,
    definition: 'USING btree (not_after) WHERE (deleted_at IS NULL)',
  },
  idx_certificates_owner: {
    table: 'certificates',
    unique: false,
    definition: 'USING btree (owner_user_id) WHERE (deleted_at IS NULL)',
  },
  idx_certificates_issuer_id: { table: 'certificates', unique: false, definition: 'USING btree (issuer_id)' },
  idx_certificates_issuer_serial: {
    table: 'certificates',
    unique: true,
    definition: 'USING btree (issuer, serial_number) WHERE (NOT imported)',
  },
  idx_certificate_revocations_certificate_id: {
    table: 'certificate_revocations',
    unique: false,
    definition: 'USING btree (certificate_id)',
  },
  idx_private_keys_cert: { table: 'private_keys', unique: true, definition: 'USING btree (certificate_id)' },
  idx_private_keys_encryption_key_id: {
    table: 'private_keys',
    unique: false,
    definition: 'USING btree (encryption_key_id)',
  },
  idx_certificate_requests_status: {
    table: 'certificate_requests',
    unique: false,
    definition: 'USING btree (status)',
  },
  idx_certificate_requests_certificate_id: {
    table: 'certificate_requests',
    unique: false,
    definition: 'USING btree (certificate_id)',
  },
  idx_secure_audit_timestamp: {
    table: 'secure_audit_log',
    unique: false,
    definition: 'USING btree (event_timestamp DESC)',
  },
  idx_secure_audit_resource: {
    table: 'secure_audit_log',
    unique: false,
    definition: 'USING btree (resource_type, resource_id, event_timestamp DESC)',
  },
  idx_secure_audit_user: {
    table: 'secure_audit_log',
    unique: false,
    definition: 'USING btree (user_id, event_timestamp DESC)',
  },
} as const;

/** Seed 001, "Auto-Update Timestamps" on every table whose rows change, and the audit log's guards. */
export const DOCUMENTED_TRIGGERS = {
  ...Object.fromEntries(
    Object.keys(DOCUMENTED_TABLES)
      .filter((table) => table !== 'secure_audit_log')
      .map((table) => [
        `trg_${table}_updated_at`,
        {
          table,
          definition: `BEFORE UPDATE ON public.${table} FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`,
        },
      ]),
  ),
  trg_secure_audit_log_append_only: {
    table: 'secure_audit_log',
    definition:
      'BEFORE DELETE OR UPDATE ON public.secure_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit_log_change()',
  },
  trg_secure_audit_log_no_truncate: {
    table: 'secure_audit_log',
    definition:
      'BEFORE TRUNCATE ON public.secure_audit_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_log_change()',
  },
} as Record<string, { table: string; definition: string }>;

export const DOCUMENTED_FUNCTIONS = ['refuse_audit_log_change', 'update_updated_at_column'] as const;
export const DOCUMENTED_VIEWS = ['active_certificates', 'expiring_certificates'] as const;

/** What the reader role may select ("Security Notes": private_keys and encryption_keys are restricted). */
export const READABLE = [
  'certificates',
  'certificate_revocations',
  'certificate_requests',
  'key_rotation_history',
  'secure_audit_log',
  'active_certificates',
  'expiring_certificates',
] as const;
export const CLOSED_TO_READER = ['private_keys', 'encryption_keys'] as const;

/** Seed 001, "Common Queries: Active Certificates", verbatim; `'user-uuid'` stands for an owner's id. */
export const ACTIVE_CERTIFICATES = `-- Get active certificates for a user
SELECT c.certificate_id, c.common_name, c.not_after, c.status
FROM certificates c
WHERE c.owner_user_id = 'user-uuid'
  AND c.deleted_at IS NULL
  AND c.status = 'active'
ORDER BY c.not_after ASC;`;

/** Seed 001, "Common Queries: Expiring Certificates", verbatim. */
export const EXPIRING_CERTIFICATES = `-- Certificates expiring in next 30 days
SELECT * FROM expiring_certificates;  -- Pre-defined view`;

/** Seed 001, "Common Queries: Audit Trail", verbatim; `'cert-uuid'` stands for a certificate's id. */
export const AUDIT_TRAIL = `-- Recent certificate operations
SELECT event_type, action, user_id, event_timestamp
FROM secure_audit_log
WHERE resource_type = 'certificate'
  AND resource_id = 'cert-uuid'
ORDER BY event_timestamp DESC
LIMIT 50;`;
