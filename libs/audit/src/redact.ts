import { EVENT_CATALOG, isEventType, isLegacyBodyDigest } from '@certm3/domain';

/** Field names whose values never leave the audit tools: hashes of secrets are secrets too. */
const SECRET_FIELD = /password|secret|token|private.?key|key.?material|mfa/i;
export const REDACTED = '[redacted]';

/**
 * Key material, recognised by what the value is whatever field holds it: a sealed secret of the key vault
 * (a data key's id with its ciphertext: useless without the vault, yet never shown) or a PEM private key.
 */
export function isKeyMaterial(value: unknown): boolean {
  if (typeof value === 'string') return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const fields = value as Record<string, unknown>;
  return typeof fields.dataKeyId === 'string' && typeof fields.ciphertext === 'string';
}

/** Any value with secret-looking field names, or holding key material, redacted, at any depth. */
export function redact(value: unknown): unknown {
  if (isKeyMaterial(value)) return REDACTED;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key,
        SECRET_FIELD.test(key) ? REDACTED : redact(inner),
      ]),
    );
  }
  return value;
}

/**
 * An event's data as the audit tools show it: the catalogue's secret fields and secret-looking names
 * redacted, and a command outcome's legacy body digest too — before 2026-12 it was a bare SHA-256 over the
 * whole body, password included, which a dictionary attack on an export reverses in seconds.
 */
export function redactEventData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(isEventType(type) ? EVENT_CATALOG[type].secretFields : []);
  const shown = redact(data) as Record<string, unknown>;
  for (const field of secret) if (field in shown) shown[field] = REDACTED;
  if (isLegacyBodyDigest(shown.bodyDigest)) shown.bodyDigest = REDACTED;
  return shown;
}

/**
 * An event's metadata as the audit tools show it. The integrity seal of an event whose data held a legacy
 * body digest is a SHA-256 over content that includes that digest, every other input of which an export
 * shows: rebuilding it from guessed passwords recovers them as surely as the digest did (3 of 3 from the
 * legacy fixture in 4 ms). Such a seal's hash is shown as `[redacted]`; `verify` checks seals in the store.
 */
export function redactEventMetadata(
  data: Record<string, unknown>,
  metadata: Record<string, unknown>,
): Record<string, unknown> {
  if (!isLegacyBodyDigest(data.bodyDigest)) return metadata;
  const seal = metadata.integrity;
  if (!seal || typeof seal !== 'object') return metadata;
  return { ...metadata, integrity: { ...(seal as Record<string, unknown>), hash: REDACTED } };
}
