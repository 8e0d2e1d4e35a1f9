import { Decider } from '../shared/decider';
import { refuse } from '../shared/domain-error';

/** Seed 001's notifications.notification_type values certm3 writes (the approvals issue adds its own). */
export const NOTIFICATION_TYPES = [
  'certificate_issued',
  'certificate_expiring',
  'certificate_expired',
  'certificate_revoked',
  'certificate_suspended',
  'certificate_released',
  'certificate_renewed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const DELIVERY_CHANNELS = ['nats', 'webhook'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** `delivered` and `abandoned` are final; `retrying` waits for `nextAttemptAt`. */
export type DeliveryStatus = 'delivered' | 'retrying' | 'abandoned';

/**
 * One notification for one user, in stream `notification-<notificationId>`. Its id is derived from its cause
 * (the event that made it, and the kind), and it is created with "no stream" expected: one cause gives one
 * notification, however often the process that makes them runs.
 */
export type NotificationEvent =
  | {
      type: 'NotificationCreated';
      data: {
        notificationId: string;
        userId: string;
        notificationType: NotificationType;
        title: string;
        message: string;
        resourceType: string;
        resourceId: string;
        /** The id of the event the notification is about. */
        causeEventId: string;
        createdAt: string;
      };
    }
  | { type: 'NotificationRead'; data: { notificationId: string; readAt: string } }
  | {
      /** One attempt's outcome on one channel; the last one per channel is the delivery state. */
      type: 'NotificationDeliveryAttempted';
      data: {
        notificationId: string;
        channel: DeliveryChannel;
        status: DeliveryStatus;
        attempts: number;
        /** Why it failed (HTTP status, connection error), never the body. */
        error?: string;
        nextAttemptAt?: string;
        attemptedAt: string;
      };
    };

type Created = Extract<NotificationEvent, { type: 'NotificationCreated' }>['data'];

export type NotificationState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly notificationId: string;
      readonly userId: string;
      readonly read: boolean;
      readonly deliveries: Readonly<
        Partial<Record<DeliveryChannel, { status: DeliveryStatus; attempts: number }>>
      >;
    };

export type NotificationCommand =
  | ({ type: 'CreateNotification' } & Created)
  | { type: 'MarkNotificationRead'; actorId: string; now: string }
  | {
      type: 'RecordDeliveryAttempt';
      channel: DeliveryChannel;
      status: DeliveryStatus;
      attempts: number;
      error?: string;
      nextAttemptAt?: string;
      now: string;
    };

export const notificationDecider: Decider<NotificationCommand, NotificationEvent, NotificationState> = {
  initialState: { exists: false },
  decide(command, state) {
    switch (command.type) {
      case 'CreateNotification': {
        if (state.exists) return [];
        const { type: _type, ...data } = command;
        return [{ type: 'NotificationCreated', data }];
      }
      case 'MarkNotificationRead':
        // Someone else's notification is not theirs to know of: NOT_FOUND, as for one that does not exist.
        if (!state.exists || state.userId !== command.actorId) refuse('NOT_FOUND', 'no such notification');
        if (state.read) return [];
        return [
          { type: 'NotificationRead', data: { notificationId: state.notificationId, readAt: command.now } },
        ];
      case 'RecordDeliveryAttempt': {
        if (!state.exists) refuse('NOT_FOUND', 'no such notification');
        const last = state.deliveries[command.channel];
        // A channel's delivery ends once; an attempt already counted is not recorded again.
        if (last && (last.status !== 'retrying' || last.attempts >= command.attempts)) return [];
        return [
          {
            type: 'NotificationDeliveryAttempted',
            data: {
              notificationId: state.notificationId,
              channel: command.channel,
              status: command.status,
              attempts: command.attempts,
              ...(command.error === undefined ? {} : { error: command.error }),
              ...(command.nextAttemptAt === undefined ? {} : { nextAttemptAt: command.nextAttemptAt }),
              attemptedAt: command.now,
            },
          },
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'NotificationCreated':
        return {
          exists: true,
          notificationId: event.data.notificationId,
          userId: event.data.userId,
          read: false,
          deliveries: {},
        };
      case 'NotificationRead':
        return state.exists ? { ...state, read: true } : state;
      case 'NotificationDeliveryAttempted':
        return state.exists
          ? {
              ...state,
              deliveries: {
                ...state.deliveries,
                [event.data.channel]: { status: event.data.status, attempts: event.data.attempts },
              },
            }
          : state;
    }
  },
};
