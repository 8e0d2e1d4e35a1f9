import {
  computeEventHash,
  metadataWithoutSeal,
  RecordedEvent,
  sealOf,
  serializePosition,
} from '@certm3/event-store';

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: string;
  readonly position: string;
  readonly type: string;
  readonly eventId: string;
  readonly problem: 'unsealed' | 'content-altered' | 'chain-broken' | 'revision-gap';
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly eventsChecked: number;
  readonly streams: number;
  readonly firstBrokenLink: BrokenLink | null;
}

/**
 * Walks the whole log in global order and checks every stream's hash chain: each event's seal must match its
 * content, point at the previous event's hash, and follow it without a gap in revisions. Stops at the first
 * broken link, which is what an auditor needs to start from. Memory grows with the number of streams, not
 * events.
 */
export async function verifyLog(
  events: AsyncIterable<RecordedEvent>,
  onProgress?: (checked: number) => void,
): Promise<VerifyReport> {
  const streams = new Map<string, { revision: bigint; hash: string }>();
  let checked = 0;
  for await (const event of events) {
    checked++;
    if (onProgress && checked % 10_000 === 0) onProgress(checked);
    const previous = streams.get(event.streamId);
    const broken = (problem: BrokenLink['problem'], detail: string): VerifyReport => ({
      ok: false,
      eventsChecked: checked,
      streams: streams.size,
      firstBrokenLink: {
        streamId: event.streamId,
        revision: event.revision.toString(),
        position: serializePosition(event.position),
        type: event.type,
        eventId: event.id,
        problem,
        detail,
      },
    });
    const seal = sealOf(event);
    if (!seal) return broken('unsealed', 'the event carries no integrity seal');
    const expectedRevision = previous ? previous.revision + 1n : 0n;
    if (event.revision !== expectedRevision) {
      return broken(
        'revision-gap',
        `expected revision ${expectedRevision} of the stream next, found ${event.revision}: events are missing or out of order`,
      );
    }
    if (seal.previousHash !== (previous?.hash ?? null)) {
      return broken(
        'chain-broken',
        `the seal names previous hash ${seal.previousHash}, but the previous event's hash is ${previous?.hash ?? 'none'}`,
      );
    }
    const recomputed = computeEventHash(
      {
        streamId: event.streamId,
        revision: event.revision,
        type: event.type,
        data: event.data,
        metadata: metadataWithoutSeal(event.metadata),
      },
      seal.previousHash,
    );
    if (recomputed !== seal.hash)
      return broken('content-altered', 'the stored content does not match its hash');
    streams.set(event.streamId, { revision: event.revision, hash: seal.hash });
  }
  return { ok: true, eventsChecked: checked, streams: streams.size, firstBrokenLink: null };
}
