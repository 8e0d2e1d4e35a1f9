/** Field names whose values never leave the audit tools: hashes of secrets are secrets too. */
const SECRET_FIELD = /password|secret|token|private.?key|key.?material|mfa/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown): unknown {
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
