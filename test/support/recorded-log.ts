import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandReply } from '@certm3/contracts';
import { EventStore, JsonObject } from '@certm3/event-store';

/** A log an earlier release wrote, recorded with the commands that wrote it (test/fixtures/*.json). */
export interface RecordedLog {
  commands: {
    name: string;
    body: Record<string, unknown>;
    commandId: string;
    actorId: string | null;
    reply: CommandReply;
  }[];
  events: {
    streamId: string;
    revision: string;
    id: string;
    type: string;
    data: JsonObject;
    metadata: JsonObject;
  }[];
}

export function readRecordedLog(fixture: string): RecordedLog {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', fixture), 'utf8'));
}

/** Appends the log's events to `store` in the log's own order, event by event, as they were written. */
export async function appendRecordedLog(store: EventStore, log: RecordedLog): Promise<void> {
  for (const event of log.events) {
    const revision = BigInt(event.revision);
    await store.append(
      event.streamId,
      [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }],
      { expectedRevision: revision === 0n ? 'no_stream' : revision - 1n },
    );
  }
}
