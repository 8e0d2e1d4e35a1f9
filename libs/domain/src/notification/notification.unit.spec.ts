import { deciderSpec } from '../testing/decider-spec';
import { notificationDecider, NotificationEvent } from './notification';

const notificationId = '99999999-9999-4999-8999-999999999999';
const userId = '11111111-1111-4111-8111-111111111111';
const created: NotificationEvent = {
  type: 'NotificationCreated',
  data: {
    notificationId,
    userId,
    notificationType: 'certificate_issued',
    title: 'Certificate issued',
    message: 'It was issued.',
    resourceType: 'certificate',
    resourceId: '66666666-6666-4666-8666-666666666666',
    causeEventId: '77777777-7777-4777-8777-777777777777',
    createdAt: '2026-12-01T00:00:00.000Z',
  },
};
const { given } = deciderSpec(notificationDecider);
const now = '2026-12-01T01:00:00.000Z';

describe('notification', () => {
  it('is created once per cause: a second creation adds nothing', () => {
    const { type: _type, ...data } = created;
    given([])
      .when({ type: 'CreateNotification', ...data.data })
      .then([created]);
    given([created])
      .when({ type: 'CreateNotification', ...data.data })
      .thenNothingHappens();
  });

  it('is marked read by its user, once; to anyone else it does not exist', () => {
    given([created])
      .when({ type: 'MarkNotificationRead', actorId: userId, now })
      .then([{ type: 'NotificationRead', data: { notificationId, readAt: now } }]);
    given([created, { type: 'NotificationRead', data: { notificationId, readAt: now } }])
      .when({ type: 'MarkNotificationRead', actorId: userId, now })
      .thenNothingHappens();
    given([created])
      .when({ type: 'MarkNotificationRead', actorId: '22222222-2222-4222-8222-222222222222', now })
      .thenRefuses('NOT_FOUND');
    given([]).when({ type: 'MarkNotificationRead', actorId: userId, now }).thenRefuses('NOT_FOUND');
  });

  it('records each delivery attempt once, and nothing after a channel’s final outcome', () => {
    const retrying: NotificationEvent = {
      type: 'NotificationDeliveryAttempted',
      data: {
        notificationId,
        channel: 'webhook',
        status: 'retrying',
        attempts: 1,
        error: 'HTTP 503',
        nextAttemptAt: '2026-12-01T01:00:02.000Z',
        attemptedAt: now,
      },
    };
    const attempt = (attempts: number, status: 'delivered' | 'retrying' | 'abandoned') =>
      ({ type: 'RecordDeliveryAttempt', channel: 'webhook', status, attempts, now }) as const;
    given([created])
      .when({ ...attempt(1, 'retrying'), error: 'HTTP 503', nextAttemptAt: '2026-12-01T01:00:02.000Z' })
      .then([retrying]);
    given([created, retrying]).when(attempt(1, 'retrying')).thenNothingHappens();
    given([created, retrying])
      .when(attempt(2, 'delivered'))
      .then([
        {
          type: 'NotificationDeliveryAttempted',
          data: { notificationId, channel: 'webhook', status: 'delivered', attempts: 2, attemptedAt: now },
        },
      ]);
    const delivered: NotificationEvent = {
      type: 'NotificationDeliveryAttempted',
      data: { notificationId, channel: 'webhook', status: 'delivered', attempts: 2, attemptedAt: now },
    };
    given([created, retrying, delivered]).when(attempt(3, 'delivered')).thenNothingHappens();
    given([]).when(attempt(1, 'delivered')).thenRefuses('NOT_FOUND');
  });
});
