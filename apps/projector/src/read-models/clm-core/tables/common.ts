import {
  defineFunction,
  PROJECTION_WRITER_SETTING,
  timestamptz,
  TriggerSpec,
  uuid,
} from '@certm3/projection';

/**
 * Seed 001, "Auto-Update Timestamps": every clm_core table stamps `updated_at` on UPDATE. The projector's
 * writes keep the value they set (the event's occurredAt, so a rebuild is row for row identical, also when
 * two events of one command share it): its transactions set certm3_projection.writer. Any other UPDATE gets
 * now(), unless it sets updated_at itself to another value.
 */
export const updateUpdatedAtColumn = defineFunction('update_updated_at_column', {
  returns: 'trigger',
  language: 'plpgsql',
  body: `
BEGIN
  IF current_setting('${PROJECTION_WRITER_SETTING}', true) = 'on'
     OR NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
    RETURN NEW;
  END IF;
  NEW.updated_at = now();
  RETURN NEW;
END`,
});

/** `trg_<table>_updated_at`, BEFORE UPDATE FOR EACH ROW, as the seed writes it. */
export function updatedAtTrigger<const Table extends string>(table: Table) {
  const trigger: TriggerSpec = {
    timing: 'BEFORE',
    events: ['UPDATE'],
    forEach: 'ROW',
    execute: updateUpdatedAtColumn,
  };
  return { [`trg_${table}_updated_at`]: trigger } as Record<`trg_${Table}_updated_at`, TriggerSpec>;
}

/**
 * When and by whom a row was created and last changed: the events' occurredAt and actorId. The actors are
 * plain uuids (no foreign key): a row's history never depends on another row, and they need no index.
 */
export const stampColumns = () => ({
  created_at: timestamptz().notNull(),
  updated_at: timestamptz().notNull(),
  created_by: uuid(),
  updated_by: uuid(),
});

/** Seed 001, "User Status". */
export const USER_STATUSES = ['active', 'inactive', 'locked', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
