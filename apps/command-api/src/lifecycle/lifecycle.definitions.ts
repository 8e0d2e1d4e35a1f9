import {
  certificateDecider,
  DEFAULT_RENEWAL_THRESHOLD_DAYS,
  DELIVERY_CHANNELS,
  DeliveryStatus,
  notificationDecider,
  NOTIFICATION_TYPES,
  policyDecider,
  streamIds,
  SYSTEM_ACTOR_ID,
} from '@certm3/domain';
import { defineCommand, field } from '@certm3/contracts';
import { CommandDefinition } from '../execution/command-definition';
import { StreamSession } from '../execution/stream-session';

const NOT_ON_THE_BUS = {
  unauthenticated: 'run by the command API’s lifecycle process itself, as the system actor; never over NATS',
};

/** Most certificates one command marks: one transaction, a few hundred streams. */
export const EXPIRY_BATCH_SIZE = 200;

/**
 * Not a command of the bus: the expiry process asks, for certificates its ledger says are due, that
 * whatever time has made due be recorded (expiring, a reminder, expired). The certificate's own stream and
 * its policy decide, at the command's time, held at commit: a certificate revoked or renewed meanwhile, or a
 * policy's threshold changed, is decided again; one already marked gains nothing.
 */
export const RECORD_CERTIFICATE_EXPIRY = defineCommand({
  name: 'RecordCertificateExpiry',
  summary: 'Records what time has made due for these certificates: expiring, a reminder, expired.',
  actor: 'none',
  permission: NOT_ON_THE_BUS,
  body: { certificateIds: field.array(field.uuid(), { minItems: 1, maxItems: EXPIRY_BATCH_SIZE }) },
  refusals: [],
});

async function thresholdDays(session: StreamSession, policyId: string | null): Promise<number> {
  if (policyId === null) return DEFAULT_RENEWAL_THRESHOLD_DAYS;
  const policy = await session.load(streamIds.policy(policyId), policyDecider);
  return policy.state.exists
    ? policy.state.policyRules.renewal_threshold_days
    : DEFAULT_RENEWAL_THRESHOLD_DAYS;
}

export const recordCertificateExpiryDefinition = {
  contract: RECORD_CERTIFICATE_EXPIRY,
  actingUser: () => SYSTEM_ACTOR_ID,
  reads: ({ body }: { body: { certificateIds: string[] } }) => body.certificateIds.map(streamIds.certificate),
  decide: async ({ body, session }: { body: { certificateIds: string[] }; session: StreamSession }) => {
    let marked = 0;
    for (const certificateId of body.certificateIds) {
      const certificate = await session.load(streamIds.certificate(certificateId), certificateDecider);
      if (!certificate.state.exists) continue;
      const events = certificateDecider.decide(
        {
          type: 'TrackCertificateExpiry',
          now: session.now,
          thresholdDays: await thresholdDays(session, certificate.state.policyId),
        },
        certificate.state,
      );
      if (events.length > 0) marked++;
      session.append(certificate, events);
    }
    return { id: SYSTEM_ACTOR_ID, revision: 0, marked };
  },
} as unknown as CommandDefinition;

/** One notification as the notifier makes it; its id is derived from its cause (see notification-rules). */
export interface NotificationToCreate {
  readonly notificationId: string;
  readonly userId: string;
  readonly notificationType: (typeof NOTIFICATION_TYPES)[number];
  readonly title: string;
  readonly message: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly causeEventId: string;
  readonly createdAt: string;
}

/** Most notifications one command creates. */
export const NOTIFICATION_BATCH_SIZE = 200;

/**
 * Not a command of the bus: the notifier creates notifications for what happened, each in its own stream
 * whose id its cause fixes, so one cause is one notification however often the notifier runs.
 */
export const CREATE_NOTIFICATIONS = defineCommand({
  name: 'CreateNotifications',
  summary: 'Creates the notifications these events call for, once each.',
  actor: 'none',
  permission: NOT_ON_THE_BUS,
  body: {
    notifications: field.array(
      field.object({
        notificationId: field.uuid(),
        userId: field.uuid(),
        notificationType: field.oneOf(NOTIFICATION_TYPES),
        title: field.text({ maxLength: 200 }),
        message: field.text({ maxLength: 2000 }),
        resourceType: field.text({ maxLength: 50 }),
        resourceId: field.uuid(),
        causeEventId: field.uuid(),
        createdAt: field.instant(),
      }),
      { minItems: 1, maxItems: NOTIFICATION_BATCH_SIZE },
    ),
  },
  refusals: [],
});

export const createNotificationsDefinition = {
  contract: CREATE_NOTIFICATIONS,
  actingUser: () => SYSTEM_ACTOR_ID,
  reads: ({ body }: { body: { notifications: NotificationToCreate[] } }) =>
    body.notifications.map((notification) => streamIds.notification(notification.notificationId)),
  decide: async ({
    body,
    session,
  }: {
    body: { notifications: NotificationToCreate[] };
    session: StreamSession;
  }) => {
    let created = 0;
    for (const notification of body.notifications) {
      const stream = await session.load(
        streamIds.notification(notification.notificationId),
        notificationDecider,
      );
      const events = notificationDecider.decide(
        { type: 'CreateNotification', ...notification },
        stream.state,
      );
      created += events.length;
      session.append(stream, events);
    }
    return { id: SYSTEM_ACTOR_ID, revision: 0, created };
  },
} as unknown as CommandDefinition;

export interface DeliveryAttempt {
  readonly notificationId: string;
  readonly channel: (typeof DELIVERY_CHANNELS)[number];
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly error?: string;
  readonly nextAttemptAt?: string;
}

/** Not a command of the bus: the deliverer records each attempt's outcome, once per attempt. */
export const RECORD_NOTIFICATION_DELIVERY = defineCommand({
  name: 'RecordNotificationDelivery',
  summary: 'Records how delivering a notification on a channel went.',
  actor: 'none',
  permission: NOT_ON_THE_BUS,
  body: {
    notificationId: field.uuid(),
    channel: field.oneOf(DELIVERY_CHANNELS),
    status: field.oneOf(['delivered', 'retrying', 'abandoned'] as const),
    attempts: field.integer(1, 1000),
    error: field.text({ maxLength: 500 }).optional(),
    nextAttemptAt: field.instant().optional(),
  },
  refusals: ['NOT_FOUND'],
});

export const recordNotificationDeliveryDefinition = {
  contract: RECORD_NOTIFICATION_DELIVERY,
  actingUser: () => SYSTEM_ACTOR_ID,
  reads: ({ body }: { body: DeliveryAttempt }) => [streamIds.notification(body.notificationId)],
  decide: async ({ body, session }: { body: DeliveryAttempt; session: StreamSession }) => {
    const { revision } = await session.decideAndAppend(
      streamIds.notification(body.notificationId),
      notificationDecider,
      { type: 'RecordDeliveryAttempt', ...body, now: session.now },
    );
    return { id: body.notificationId, revision };
  },
} as unknown as CommandDefinition;
