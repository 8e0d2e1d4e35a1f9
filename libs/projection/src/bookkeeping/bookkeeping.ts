import { escapeIdentifier } from 'pg';
import { bigint, serial, text, timestamptz } from '../tables/column';
import { defineFunction, defineView } from '../tables/define-function';
import { DatabaseOf, tableDefinition } from '../tables/define-table';
import { SchemaContents } from '../schema/ddl';
import { MIGRATIONS_TABLE } from '../schema/migrations';

/**
 * One row per model: how far into the log its tables are, written in the same transaction as them, and
 * the fingerprint of the definition that built them.
 */
export const checkpointTable = tableDefinition('projector_checkpoint', {
  columns: {
    projection: text().primaryKey(),
    /** serializePosition() of the last event applied or skipped; null before the first. */
    position: text(),
    events_applied: bigint().notNull().default('0'),
    updated_at: timestamptz().notNull(),
    /** Null only on a database the previous release wrote (accepted once, then stamped). */
    fingerprint: text(),
  },
});

/** Events an operator chose to skip, or of a type the projector did not know: kept for the record. */
export const skippedEventsTable = tableDefinition('projector_skipped_events', {
  columns: {
    id: serial().primaryKey(),
    position: text().notNull(),
    stream_id: text().notNull(),
    stream_revision: bigint().notNull(),
    event_type: text().notNull(),
    reason: text().notNull(),
    skipped_at: timestamptz().notNull(),
  },
});

export const migrationsTable = tableDefinition(MIGRATIONS_TABLE, {
  columns: { name: text().primaryKey(), applied_at: timestamptz().notNull() },
});

export const BOOKKEEPING_TABLES = [checkpointTable, skippedEventsTable, migrationsTable] as const;
export type BookkeepingDatabase = DatabaseOf<typeof BOOKKEEPING_TABLES>;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The bookkeeping schema of one model: its checkpoint, skipped events and migration record, and what a
 * dashboard reads to wait for its own writes — the view `applied_position` and `has_applied(position)`.
 */
export function bookkeepingContents(model: string): SchemaContents {
  const appliedPosition = defineView(
    'applied_position',
    `SELECT position, events_applied, updated_at FROM projector_checkpoint WHERE projection = ${literal(model)}`,
  );
  const hasApplied = defineFunction('has_applied', {
    arguments: '"position" text',
    returns: 'boolean',
    language: 'plpgsql',
    volatility: 'STABLE',
    // Positions are "<commit>/<prepare>", compared as a pair of numbers (as comparePositions does).
    body: (schema) => `
DECLARE
  applied text;
BEGIN
  IF $1 IS NULL OR $1 !~ '^[0-9]+/[0-9]+$' THEN
    RAISE EXCEPTION 'not a serialized global position: %', $1 USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.position INTO applied FROM ${escapeIdentifier(schema)}.projector_checkpoint c
   WHERE c.projection = ${literal(model)};
  RETURN applied IS NOT NULL
     AND (split_part(applied, '/', 1)::numeric, split_part(applied, '/', 2)::numeric)
      >= (split_part($1, '/', 1)::numeric, split_part($1, '/', 2)::numeric);
END`,
  });
  return { tables: [...BOOKKEEPING_TABLES], views: [appliedPosition], functions: [hasApplied] };
}
