import { notificationDecider, streamIds } from '@certm3/domain';
import { NOTIFICATION_COMMANDS } from '@certm3/contracts';
import { defineCommandHandler, DefinitionsOf } from '../execution/command-definition';

export const NOTIFICATION_COMMAND_DEFINITIONS = {
  MarkNotificationRead: defineCommandHandler('MarkNotificationRead', {
    target: ({ body }) => ({ type: 'notification', id: body.notificationId }),
    reads: ({ body }) => [streamIds.notification(body.notificationId)],
    // Only the notification's user: the decider refuses everyone else as if it did not exist.
    actsOnSelf: () => true,
    decide: async ({ body, session, context }) => {
      const { revision } = await session.decideAndAppend(
        streamIds.notification(body.notificationId),
        notificationDecider,
        { type: 'MarkNotificationRead', actorId: context.actorId!, now: session.now },
      );
      return { id: body.notificationId, revision };
    },
  }),
} satisfies DefinitionsOf<typeof NOTIFICATION_COMMANDS>;
