import { defineTable, text, timestamp, uuid, varchar } from '@certm3/projection';

/** Seed 000, "groups": the name is the key (constraint 6). */
export const groups = defineTable('groups', {
  columns: {
    name: varchar(255).primaryKey(),
    description: text(),
    created_at: timestamp().notNull(),
    updated_at: timestamp().notNull(),
    updated_by: uuid().references('users', 'id'),
  },
});
