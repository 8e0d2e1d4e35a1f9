import { isUuid } from '@certm3/common';
/**
 * Carried by every event, so an auditor can answer who did what, when, and at whose request, from the
 * log alone. Ids are UUIDs; `occurredAt` is ISO-8601 UTC from the writer's clock.
 */
export interface EventMetadata {
  readonly eventId: string;
  readonly commandId: string;
  readonly correlationId: string;
  /** The event or command that caused this one; the command id for events a command produced directly. */
  readonly causationId: string;
  readonly actorId: string;
  readonly occurredAt: string;
  /** Version of the event's data shape; upcasters key on (type, schemaVersion). */
  readonly schemaVersion: number;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The problems with a metadata record, empty when it is complete; used by both writers and readers. */
export function metadataProblems(metadata: Partial<Record<keyof EventMetadata, unknown>>): string[] {
  const problems: string[] = [];
  for (const key of ['eventId', 'commandId', 'correlationId', 'causationId', 'actorId'] as const) {
    if (!isUuid(metadata[key])) problems.push(`${key} must be a UUID`);
  }
  if (typeof metadata.occurredAt !== 'string' || !ISO_UTC.test(metadata.occurredAt)) {
    problems.push('occurredAt must be an ISO-8601 UTC timestamp');
  }
  if (!Number.isInteger(metadata.schemaVersion) || (metadata.schemaVersion as number) < 1) {
    problems.push('schemaVersion must be a positive integer');
  }
  return problems;
}
