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
  // Upper then lower case folds what lower case alone keeps apart ("straße" and "STRASSE").
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim();
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
 * and other invisible format characters (which make "o\u200Bps" look like "ops"), control characters,
 * every default-ignorable code point (variation selectors, Hangul fillers, Mongolian selectors, the
 * combining grapheme joiner), the blank Braille pattern and spaces other than U+0020.
 */
const INVISIBLE_OR_REORDERING =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;

/** Why `value` cannot be an identifier, or undefined when it can. */
export function identifierProblem(value: string): string | undefined {
  if (INVISIBLE_OR_REORDERING.test(value))
    return 'must not contain invisible, zero-width or bidirectional control characters';
  if (identifierKey(value).length === 0) return 'must not be empty once normalised';
  return undefined;
}

/**
 * Whether a name is already in the form it is compared in (NFKC): a group's stream is named by the lower
 * case of its name, as it always was, so a new group name must not have a compatibility form ("ｏｐｓ") or
 * a decomposed one that would pass for another group's.
 */
export function isNormalisedName(value: string): boolean {
  return value === value.normalize('NFKC');
}
