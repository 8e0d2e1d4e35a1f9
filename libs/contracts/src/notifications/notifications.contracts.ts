import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';

export const NOTIFICATION_COMMANDS = commandSet(
  defineCommand({
    name: 'MarkNotificationRead',
    summary: 'Marks one of the actor’s own notifications read (someone else’s is NOT_FOUND to them).',
    actor: 'required',
    permission: 'notifications:update',
    selfService: 'a user marks their own notifications read (nobody marks another’s)',
    body: { notificationId: field.uuid() },
    refusals: ['NOT_FOUND'],
  }),
);
