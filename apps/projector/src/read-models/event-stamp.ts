import { isUuid } from '@certm3/common';
import { ProjectedEvent, ProjectionError } from '@certm3/projection';

/** When and by whom: the event's own metadata, never the projector's clock, so rebuilds are identical. */
export interface EventStamp {
  readonly occurredAt: string;
  readonly actorId: string;
}

export function stampOf(event: ProjectedEvent<unknown>): EventStamp {
  const { occurredAt, actorId } = event.metadata;
  if (typeof occurredAt !== 'string' || typeof actorId !== 'string')
    throw new ProjectionError('the event has no occurredAt or actorId in its metadata');
  return { occurredAt, actorId };
}

/** The columns a row's last change sets: when and by whom, from the event. */
export function changedBy(event: ProjectedEvent<unknown>) {
  const { occurredAt, actorId } = stampOf(event);
  return { updated_at: occurredAt, updated_by: actorId };
}

/** The event's actor as a row names people: a uuid, or NULL for an actor that is none. */
export function actorUuidOf(event: ProjectedEvent<unknown>): string | null {
  const { actorId } = stampOf(event);
  return isUuid(actorId) ? actorId : null;
}
