/**
 * Whether two JSON values are equal whatever the order of their objects' keys: state folded from stored
 * events has the key order the store gives back (jsonb sorts them its own way), not the order a command
 * was written in. (Regression: an unchanged SetCertificateMetadata appended a duplicate event once the
 * certificate's stream was read back from PostgreSQL.)
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  const left = Object.entries(a).filter(([, value]) => value !== undefined);
  const right = b as Record<string, unknown>;
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  return left.length === rightKeys.length && left.every(([key, value]) => sameJson(value, right[key]));
}
