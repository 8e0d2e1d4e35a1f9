import { bigint, defineFunction, defineTable, jsonb, timestamptz, uuid, varchar } from '@certm3/projection';
import { updatedAtTrigger } from './common';

/** Seed 001, "Logs are append-only (no updates/deletes)": for every role, the table's owner included. */
export const refuseAuditChange = defineFunction('refuse_audit_log_change', {
  returns: 'trigger',
  language: 'plpgsql',
  body: `
BEGIN
  RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END`,
});

/**
 * Seed 001, "audit_log": one row per user action, accepted or refused. Every domain event but the
 * reservations (bookkeeping of uniqueness; the event they guard has its row) and the command outcomes is an
 * accepted row; a CommandRejected is a refused row with its refusal code. `id` is the event's id;
 * `user_id` the actor (no foreign key: a refused actor may be unknown); `action` the command's name;
 * `details` the event's data without its secret fields. Rows are only inserted: triggers refuse UPDATE,
 * DELETE and TRUNCATE, and a rebuild that would change a row is refused (appendOnly).
 */
export const auditLog = defineTable('audit_log', {
  columns: {
    id: uuid().primaryKey(),
    event_type: varchar(100).notNull(),
    user_id: uuid(),
    action: varchar(100).notNull(),
    resource_type: varchar(50),
    resource_id: varchar(255),
    outcome: varchar(20).notNull().oneOf(['accepted', 'refused']),
    error_code: varchar(100),
    correlation_id: uuid(),
    command_id: uuid(),
    causation_id: uuid(),
    stream_id: varchar(255).notNull(),
    stream_revision: bigint().notNull(),
    event_timestamp: timestamptz().notNull(),
    details: jsonb<Record<string, unknown>>().notNull().default("'{}'::jsonb"),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
  },
  indexes: {
    idx_audit_log_timestamp: { columns: ['event_timestamp DESC'] },
    idx_audit_log_user_id: { columns: ['user_id', 'event_timestamp DESC'] },
    idx_audit_log_resource: { columns: ['resource_type', 'resource_id', 'event_timestamp DESC'] },
    idx_audit_log_correlation_id: { columns: ['correlation_id'] },
  },
  triggers: {
    trg_audit_log_append_only: {
      timing: 'BEFORE',
      events: ['UPDATE', 'DELETE'],
      forEach: 'ROW',
      execute: refuseAuditChange,
    },
    trg_audit_log_no_truncate: {
      timing: 'BEFORE',
      events: ['TRUNCATE'],
      forEach: 'STATEMENT',
      execute: refuseAuditChange,
    },
    ...updatedAtTrigger('audit_log'),
  },
  appendOnly: true,
});
