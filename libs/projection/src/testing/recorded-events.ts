import { randomUUID } from 'node:crypto';
import { JsonObject, RecordedEvent } from '@certm3/event-store';

/** An event for a spec: a type and data, with metadata and stream if the spec cares. */
export interface GivenEvent {
  readonly type: string;
  readonly data: object;
  readonly metadata?: JsonObject;
  readonly streamId?: string;
  /** The event's id in the store (random when not given): a spec of a table keyed by it names it. */
  readonly id?: string;
}

/**
 * Numbers events the way a log would: positions strictly increasing across every call, so events of
 * several `given`s of one test file never collide.
 */
export class EventSequence {
  private position = 0n;

  record(given: GivenEvent, defaults: { metadata?: JsonObject } = {}): RecordedEvent {
    this.position++;
    return {
      id: given.id ?? randomUUID(),
      type: given.type,
      data: given.data as JsonObject,
      metadata: { ...defaults.metadata, ...given.metadata },
      streamId: given.streamId ?? `spec-${this.position}`,
      revision: 0n,
      position: { commit: this.position, prepare: this.position },
      recordedAt: new Date(),
    };
  }
}
