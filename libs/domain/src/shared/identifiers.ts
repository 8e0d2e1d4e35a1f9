import { domainToASCII } from 'node:url';

/**
 * How identifiers people choose (usernames, emails, group, role and organization codes) are compared:
 * after Unicode compatibility normalisation (NFKC: full-width "ｏｐｓ" is "ops", "é" as one code point or as
 * "e" + combining accent is the same) and case folding, so two identities that look alike are one. An
 * email's domain is compared as its IDNA ASCII form ("bücher.de" is "xn--bcher-kva.de").
 *
 * Pure and stable: reservation streams are named by these keys, so changing them moves reservations.
 */
export function identifierKey(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
}

/** The comparison key of an email address: local part as an identifier, domain as IDNA ASCII, lower case. */
export function emailKey(email: string): string {
  const normalized = identifierKey(email);
  const at = normalized.lastIndexOf('@');
  if (at < 0) return normalized;
  const domain = normalized.slice(at + 1);
  const ascii = domainToASCII(domain);
  // An unconvertible domain is compared as written: the field's validation refuses most of them first.
  return `${normalized.slice(0, at)}@${(ascii || domain).toLowerCase()}`;
}

/**
 * Characters no identifier may hold: bidirectional controls (which reorder what a reader sees), zero-width
 * and other invisible format characters (which make "o\u200Bps" look like "ops"), and control characters.
 */
const INVISIBLE_OR_REORDERING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]|\u034F|\u17B4|\u17B5/u;

/** Why `value` cannot be an identifier, or undefined when it can. */
export function identifierProblem(value: string): string | undefined {
  if (INVISIBLE_OR_REORDERING.test(value))
    return 'must not contain invisible, zero-width or bidirectional control characters';
  if (identifierKey(value).length === 0) return 'must not be empty once normalised';
  return undefined;
}
