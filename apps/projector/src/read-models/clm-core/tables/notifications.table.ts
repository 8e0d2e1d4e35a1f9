import { DeliveryStatus } from '@certm3/domain';
import { boolean, defineTable, integer, text, timestamptz, uuid, varchar } from '@certm3/projection';
import { updatedAtTrigger } from './common';

/** A channel's delivery: `pending` until its first attempt, then the last attempt's status. */
export const DELIVERY_STATES = ['pending', 'delivered', 'retrying', 'abandoned'] as const satisfies readonly (
  'pending' | DeliveryStatus
)[];

/** `{ status: … }` as `{ nats_status: … }`: a channel's columns, named after it. */
export type Prefixed<Prefix extends string, Columns> = {
  [Name in keyof Columns & string as `${Prefix}_${Name}`]: Columns[Name];
};

export function prefixed<const Prefix extends string, Columns extends object>(
  prefix: Prefix,
  columns: Columns,
): Prefixed<Prefix, Columns> {
  return Object.fromEntries(
    Object.entries(columns).map(([name, value]) => [`${prefix}_${name}`, value]),
  ) as Prefixed<Prefix, Columns>;
}

/**
 * One channel's delivery state, as the last NotificationDeliveryAttempted on it says: the status, the
 * attempts so far, the last attempt's error (NULL when it succeeded) and when the next is due (NULL unless
 * `retrying`), when the last attempt was, and when it was delivered.
 */
const deliveryColumns = () => ({
  status: varchar(20).notNull().default("'pending'").oneOf(DELIVERY_STATES),
  attempts: integer().notNull().default('0'),
  last_error: text(),
  next_attempt_at: timestamptz(),
  last_attempt_at: timestamptz(),
  delivered_at: timestamptz(),
});

/**
 * Seed 001, "notifications" (Alerts): one row per notification for one user (`id` is the notificationId,
 * derived from its cause; `cause_event_id` is the event it is about), read or not, and its delivery on
 * each channel (`nats_*`, `webhook_*`, see deliveryColumns). `notification_type` has no CHECK: the set
 * grows with the issues that notify (approvals), and a check would need a migration each time. Times are
 * the events' own (`created_at` the creation's occurredAt, `read_at` the readAt, a channel's times its
 * attempts' attemptedAt and nextAttemptAt).
 */
export const notifications = defineTable('notifications', {
  columns: {
    id: uuid().primaryKey(),
    user_id: uuid().notNull().references('users', 'id'),
    notification_type: varchar(50).notNull(),
    title: text().notNull(),
    message: text().notNull(),
    resource_type: varchar(50).notNull(),
    resource_id: varchar(255).notNull(),
    cause_event_id: uuid().notNull(),
    is_read: boolean().notNull().default('false'),
    read_at: timestamptz(),
    ...prefixed('nats', deliveryColumns()),
    ...prefixed('webhook', deliveryColumns()),
    created_at: timestamptz().notNull(),
    updated_at: timestamptz().notNull(),
  },
  checks: { notifications_read_at_when_read: '(read_at IS NOT NULL) = is_read' },
  indexes: {
    idx_notifications_user_id: { columns: ['user_id'] },
    // A user's unread notifications, newest first: the bell's query.
    idx_notifications_user_id_unread: { columns: ['user_id', 'created_at DESC'], where: 'NOT is_read' },
  },
  triggers: updatedAtTrigger('notifications'),
});
