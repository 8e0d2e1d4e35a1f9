import { createHash } from 'node:crypto';
import { canonicalJson } from '@certm3/common';
import { JsonObject, RecordedEvent } from './port';

/**
 * Tamper evidence for the event log: every event's metadata carries a SHA-256 over its canonical content
 * (stream, revision, type, data, metadata without this seal) and the hash of the event before it in the same
 * stream. Editing, deleting or reordering a stored event breaks the chain at that event. See the audit
 * README for what this proves and what it does not.
 */
export interface IntegritySeal {
  readonly algorithm: 'sha256-chain-v1';
  /** Hash of the previous event in the stream; null for the first. */
  readonly previousHash: string | null;
  readonly hash: string;
}

export const INTEGRITY_FIELD = 'integrity';

/** The one canonical JSON (see @certm3/common); re-exported for the seal's readers. */
export { canonicalJson };

export interface SealableEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: JsonObject;
  /** Without the seal. */
  readonly metadata: JsonObject;
}

export function computeEventHash(event: SealableEvent, previousHash: string | null): string {
  const content = canonicalJson({
    streamId: event.streamId,
    revision: event.revision.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    previousHash,
  });
  return createHash('sha256').update(content).digest('hex');
}

/** The metadata to store: the given metadata plus its seal. */
export function sealMetadata(event: SealableEvent, previousHash: string | null): JsonObject {
  const seal: IntegritySeal = {
    algorithm: 'sha256-chain-v1',
    previousHash,
    hash: computeEventHash(event, previousHash),
  };
  return { ...event.metadata, [INTEGRITY_FIELD]: seal as unknown as JsonObject };
}

export function sealOf(event: Pick<RecordedEvent, 'metadata'>): IntegritySeal | undefined {
  const seal = event.metadata[INTEGRITY_FIELD] as unknown as IntegritySeal | undefined;
  return seal && typeof seal === 'object' && typeof seal.hash === 'string' ? seal : undefined;
}

export function metadataWithoutSeal(metadata: JsonObject): JsonObject {
  const { [INTEGRITY_FIELD]: _seal, ...rest } = metadata;
  return rest;
}
