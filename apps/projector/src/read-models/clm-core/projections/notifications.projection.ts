import { Updateable } from 'kysely';
import { EventOfType } from '@certm3/domain';
import { DatabaseOf, Handler } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { notifications, prefixed } from '../tables/notifications.table';

type NotificationsDatabase = DatabaseOf<[typeof notifications]>;
type NotificationChange = Updateable<NotificationsDatabase['notifications']>;

/**
 * An attempt's outcome becomes its channel's state. The write side records an attempt only after the ones
 * before it on that channel, and none after a final one, so the last event is the state.
 */
const attempted: Handler<NotificationsDatabase, EventOfType<'NotificationDeliveryAttempted'>['data']> = (
  event,
  rows,
) => {
  const { notificationId, channel, status, attempts, error, nextAttemptAt, attemptedAt } = event.data;
  const state: NotificationChange = prefixed(channel, {
    status,
    attempts,
    last_error: error ?? null,
    next_attempt_at: nextAttemptAt ?? null,
    last_attempt_at: attemptedAt,
    ...(status === 'delivered' ? { delivered_at: attemptedAt } : {}),
  });
  return [
    rows.update('notifications', { id: notificationId }, { ...state, updated_at: stampOf(event).occurredAt }),
  ];
};

/** notifications: created unread and undelivered, then read, and delivered (or not) channel by channel. */
export const notificationsProjection = defineProjection({
  name: 'notifications',
  tables: [notifications],
  handlers: {
    NotificationCreated: (event, rows) => {
      const { occurredAt } = stampOf(event);
      const data = event.data;
      return [
        rows.insert('notifications', {
          id: data.notificationId,
          user_id: data.userId,
          notification_type: data.notificationType,
          title: data.title,
          message: data.message,
          resource_type: data.resourceType,
          resource_id: data.resourceId,
          cause_event_id: data.causeEventId,
          is_read: false,
          read_at: null,
          created_at: occurredAt,
          updated_at: occurredAt,
        }),
      ];
    },
    NotificationRead: (event, rows) => [
      rows.update(
        'notifications',
        { id: event.data.notificationId },
        { is_read: true, read_at: event.data.readAt, updated_at: stampOf(event).occurredAt },
      ),
    ],
    NotificationDeliveryAttempted: attempted,
  },
});
