import { eventIdFor } from '@certm3/event-store';

/**
 * The id of an entity a command creates when the client chose none: derived from the command id, so a
 * redelivered command creates the same entity instead of a second one.
 */
export function derivedId(
  commandId: string,
  kind:
    | 'user'
    | 'group'
    | 'certificate'
    | 'authority'
    | 'role'
    | 'organization'
    | 'policy'
    | 'request'
    | 'rotation'
    | `assignment/${string}`,
): string {
  return eventIdFor(commandId, `new-${kind}`);
}
