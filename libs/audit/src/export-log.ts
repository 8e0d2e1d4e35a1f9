import { EventStore, serializePosition } from '@certm3/event-store';
import { redactEventData, redactEventMetadata } from './redact';

export interface ExportOptions {
  readonly from?: Date;
  readonly to?: Date;
  readonly types?: readonly string[];
}

/**
 * Streams the log (or a slice) as JSON Lines through `write`, which should wait when its sink is full: the
 * log is read page by page and written as it comes, so memory stays flat whatever the log's size.
 */
export async function exportLog(
  store: EventStore,
  options: ExportOptions,
  write: (line: string) => Promise<void> | void,
  onProgress?: (exported: number, examined: number) => void,
): Promise<{ exported: number; examined: number }> {
  let exported = 0;
  let examined = 0;
  const types = options.types && options.types.length > 0 ? new Set(options.types) : undefined;
  // A prefix must never pass for the whole log: if a long-open transaction keeps the end uncertain, the
  // export fails after writing what is certain (ReadAllUnsettledError), instead of ending quietly short.
  for await (const event of store.readAll({ whenUnsettled: 'fail' })) {
    examined++;
    if (onProgress && examined % 10_000 === 0) onProgress(exported, examined);
    const occurredAt =
      typeof event.metadata.occurredAt === 'string'
        ? event.metadata.occurredAt
        : event.recordedAt.toISOString();
    const time = Date.parse(occurredAt);
    if (options.from && time < options.from.getTime()) continue;
    if (options.to && time > options.to.getTime()) continue;
    if (types && !types.has(event.type)) continue;
    exported++;
    // Awaited only when the writer is asynchronous: a synchronous one costs no tick per event.
    const written = write(
      `${JSON.stringify({
        position: serializePosition(event.position),
        streamId: event.streamId,
        revision: event.revision.toString(),
        id: event.id,
        type: event.type,
        occurredAt,
        recordedAt: event.recordedAt.toISOString(),
        data: redactEventData(event.type, event.data),
        metadata: redactEventMetadata(event.data, event.metadata),
      })}\n`,
    );
    if (written) await written;
  }
  return { exported, examined };
}
