import { createHash } from 'node:crypto';

/** Namespace of certm3's event ids (a random UUID fixed forever: changing it changes every derived id). */
export const CERTM3_EVENT_ID_NAMESPACE = '3f0d6c55-5a0e-4c0b-9a53-8e3b6c1f2d77';

/**
 * RFC 9562 name-based UUID (version 5, SHA-1). The same namespace and name always give the same id.
 */
export function uuidV5(name: string, namespace: string): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (namespaceBytes.length !== 16) throw new TypeError(`not a UUID: ${namespace}`);
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the `index`-th event a command produces (`index` may name the stream too, e.g. `user-1/0`). Deterministic, so a retried append carries the same
 * ids and EventStoreDB's own idempotency check recognises it (and audits can tie events to commands).
 */
export function eventIdFor(commandId: string, index: number | string): string {
  return uuidV5(`${commandId.toLowerCase()}/${index}`, CERTM3_EVENT_ID_NAMESPACE);
}
