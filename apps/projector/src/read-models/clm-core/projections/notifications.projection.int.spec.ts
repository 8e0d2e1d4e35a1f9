import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR_ID } from '@certm3/domain';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, stamp, usersRegistered } from './spec-events.fixture';

describe('clm_core notifications projection', () => {
  const [admin, owner] = [randomUUID(), randomUUID()];
  // Notifications are the command API's expiry and revocation processes' work: the system actor's.
  const spec = projectionSpec(clmCoreModel, { metadata: at(SYSTEM_ACTOR_ID, '03:00:00') });
  const users = usersRegistered(admin, owner).map((event) => ({ ...event, metadata: at(admin, '02:00:00') }));
  const [notificationId, certificateId, causeEventId] = [randomUUID(), randomUUID(), randomUUID()];
  const instant = (time: string) => `2026-11-29T${time}.000Z`;
  const created = {
    type: 'NotificationCreated',
    data: {
      notificationId,
      userId: owner,
      notificationType: 'certificate_expiring',
      title: 'Certificate expiring',
      message: 'www.example.com expires in 30 days',
      resourceType: 'certificate',
      resourceId: certificateId,
      causeEventId,
      createdAt: instant('03:00:00'),
    },
  };
  const attempt = (time: string, data: object) => ({
    type: 'NotificationDeliveryAttempted',
    data: { notificationId, attemptedAt: instant(time), ...data },
    metadata: at(SYSTEM_ACTOR_ID, time),
  });
  const undelivered: Record<string, string | number | null> = {
    status: 'pending',
    attempts: 0,
    last_error: null,
    next_attempt_at: null,
    last_attempt_at: null,
    delivered_at: null,
  };
  /** A channel's columns: `{ status }` as `{ webhook_status }`, the others as before any attempt. */
  const channel = (name: 'nats' | 'webhook', state: Record<string, string | number> & { status: string }) =>
    Object.fromEntries(
      Object.entries({ ...undelivered, ...state }).map(([column, value]) => [`${name}_${column}`, value]),
    );

  it('creates a notification for its user, unread, not delivered on any channel yet', () =>
    spec.given(...users, created).then({
      notifications: [
        {
          id: notificationId,
          user_id: owner,
          notification_type: 'certificate_expiring',
          title: 'Certificate expiring',
          message: 'www.example.com expires in 30 days',
          resource_type: 'certificate',
          resource_id: certificateId,
          cause_event_id: causeEventId,
          is_read: false,
          read_at: null,
          ...channel('nats', { status: 'pending' }),
          ...channel('webhook', { status: 'pending' }),
          created_at: stamp('03:00:00'),
          updated_at: stamp('03:00:00'),
        },
      ],
    }));

  it('marks it read when its user reads it', () =>
    spec
      .given(...users, created, {
        type: 'NotificationRead',
        data: { notificationId, readAt: instant('04:00:00') },
        metadata: at(owner, '04:00:00'),
      })
      .then({
        notifications: [
          { id: notificationId, is_read: true, read_at: stamp('04:00:00'), updated_at: stamp('04:00:00') },
        ],
      }));

  it('keeps each channel’s delivery as its last attempt says: delivered, retrying with the next time and error, abandoned', () =>
    spec
      .given(
        ...users,
        created,
        attempt('03:00:01', { channel: 'nats', status: 'delivered', attempts: 1 }),
        attempt('03:00:02', {
          channel: 'webhook',
          status: 'retrying',
          attempts: 1,
          error: 'HTTP 503',
          nextAttemptAt: instant('03:01:02'),
        }),
        attempt('03:01:02', {
          channel: 'webhook',
          status: 'retrying',
          attempts: 2,
          error: 'connect ECONNREFUSED',
          nextAttemptAt: instant('03:05:02'),
        }),
      )
      .then({
        notifications: [
          {
            id: notificationId,
            ...channel('nats', {
              status: 'delivered',
              attempts: 1,
              last_attempt_at: stamp('03:00:01'),
              delivered_at: stamp('03:00:01'),
            }),
            ...channel('webhook', {
              status: 'retrying',
              attempts: 2,
              last_error: 'connect ECONNREFUSED',
              next_attempt_at: stamp('03:05:02'),
              last_attempt_at: stamp('03:01:02'),
            }),
            updated_at: stamp('03:01:02'),
          },
        ],
      }));

  it('delivers on a retry, clearing the error and the next attempt, or abandons with the last error', async () => {
    const retrying = attempt('03:00:02', {
      channel: 'webhook',
      status: 'retrying',
      attempts: 1,
      error: 'HTTP 503',
      nextAttemptAt: instant('03:01:02'),
    });
    await spec
      .given(
        ...users,
        created,
        retrying,
        attempt('03:01:02', { channel: 'webhook', status: 'delivered', attempts: 2 }),
      )
      .then({
        notifications: [
          {
            id: notificationId,
            ...channel('nats', { status: 'pending' }),
            ...channel('webhook', {
              status: 'delivered',
              attempts: 2,
              last_attempt_at: stamp('03:01:02'),
              delivered_at: stamp('03:01:02'),
            }),
          },
        ],
      });
    await spec
      .given(
        ...users,
        created,
        retrying,
        attempt('03:01:02', { channel: 'webhook', status: 'abandoned', attempts: 2, error: 'HTTP 410' }),
      )
      .then({
        notifications: [
          {
            id: notificationId,
            ...channel('webhook', {
              status: 'abandoned',
              attempts: 2,
              last_error: 'HTTP 410',
              last_attempt_at: stamp('03:01:02'),
            }),
          },
        ],
      });
  });

  it('halts on a notification for a user it does not know', () =>
    spec.given(created).thenFails(/cannot apply event NotificationCreated .*notifications_user_id_fkey/));

  it('halts on reading a notification it has never seen', () =>
    spec
      .given(...users, { type: 'NotificationRead', data: { notificationId, readAt: instant('04:00:00') } })
      .thenFails(`notifications row id=${notificationId}: expected to change 1 row, changed 0`));
});
