/**
 * Whether a public key is good enough to certify, after Let's Encrypt Boulder's goodkey: a short list of
 * allowed shapes (RSA 2048/3072/4096 with e = 65537, ECDSA P-256/P-384) and the cheap tests that catch
 * the broken keys seen in the wild — small factors (bad generators), Infineon's ROCA structure, and primes
 * so close that Fermat's method factors N. Boulder's blocked-key and Debian-weak-key lists need data this
 * library does not have and are not here.
 *
 * Everything runs on the SPKI bytes (see spki.ts) and BigInt, so a key node:crypto would not even import
 * (an EC point off its curve) is still judged and named. Every rule that fails is reported, not just the
 * first, so a client learns all it must change from one refusal. Refusals never carry a factor of the
 * modulus: details go into replies and the event log, and a found factor is the private key.
 */
import { KeyObject } from 'node:crypto';
import { Refusal, RefusalDetail } from './refusal';
import { bigintFromBytes, describePublicKey, UnreadableKeyError } from './spki';

export interface KeyPolicy {
  /** The smallest RSA modulus accepted, in bits (a policy's `min_key_size`); default 2048. */
  readonly minRsaBits?: number;
}

export type KeyRule =
  | 'key-unreadable'
  | 'key-algorithm'
  | 'rsa-modulus-size'
  | 'rsa-modulus-below-policy'
  | 'rsa-public-exponent'
  | 'rsa-small-factor'
  | 'rsa-roca'
  | 'rsa-fermat'
  | 'ec-curve'
  | 'ec-point-encoding'
  | 'ec-point-infinity'
  | 'ec-point-range'
  | 'ec-point-not-on-curve';

export type KeyRefusalDetail = RefusalDetail<KeyRule>;

export class KeyRefusal extends Refusal<'WEAK_KEY', KeyRule> {
  constructor(details: readonly KeyRefusalDetail[]) {
    super('WEAK_KEY', 'The public key', details);
    this.name = 'KeyRefusal';
  }
}

export const ALLOWED_RSA_BITS = [2048, 3072, 4096] as const;
export const ALLOWED_CURVES = ['P-256', 'P-384'] as const;
const RSA_EXPONENT = 65537n;
/** Boulder's number: enough to catch any |p − q| a broken generator produces, cheap on every request. */
export const FERMAT_ROUNDS = 100;

/** Throws `KeyRefusal` naming every rule `key` (a KeyObject or SPKI DER) breaks; returns otherwise. */
export function checkPublicKey(key: KeyObject | Uint8Array, policy: KeyPolicy = {}): void {
  const minRsaBits = policy.minRsaBits ?? ALLOWED_RSA_BITS[0];
  if (!Number.isInteger(minRsaBits) || minRsaBits <= 0)
    throw new TypeError('minRsaBits must be a positive integer');
  const details = keyProblems(key, minRsaBits);
  if (details.length > 0) throw new KeyRefusal(details);
}

function keyProblems(key: KeyObject | Uint8Array, minRsaBits: number): KeyRefusalDetail[] {
  let spki: Uint8Array;
  if (key instanceof KeyObject) {
    if (key.type === 'secret')
      return [{ rule: 'key-unreadable', message: 'a secret key is not a public key' }];
    spki = key.export({ type: 'spki', format: 'der' });
  } else spki = key;
  let description;
  try {
    description = describePublicKey(spki);
  } catch (error) {
    const reason = error instanceof UnreadableKeyError ? error.message : 'unreadable';
    return [{ rule: 'key-unreadable', message: `the public key cannot be read (${reason})` }];
  }
  switch (description.kind) {
    case 'RSA':
      return rsaProblems(
        description.modulus,
        description.publicExponent,
        description.modulusBits,
        minRsaBits,
      );
    case 'EC':
      return ecProblems(description.curve, description.point);
    default:
      return [
        {
          rule: 'key-algorithm',
          message: `${description.algorithm} keys are not accepted; RSA and ECDSA are`,
          algorithm: description.algorithm,
          allowed: ['RSA', 'ECDSA'],
        },
      ];
  }
}

function rsaProblems(n: bigint, e: bigint, bits: number, minRsaBits: number): KeyRefusalDetail[] {
  const problems: KeyRefusalDetail[] = [];
  const allowedSize = (ALLOWED_RSA_BITS as readonly number[]).includes(bits);
  if (!allowedSize)
    problems.push({
      rule: 'rsa-modulus-size',
      message: `an RSA modulus of ${bits} bits; ${ALLOWED_RSA_BITS.join(', ')} are accepted`,
      bits,
      allowed: ALLOWED_RSA_BITS,
    });
  // Only for a size that is otherwise allowed: a 1024-bit key breaks one rule, not two.
  if (allowedSize && bits < minRsaBits)
    problems.push({
      rule: 'rsa-modulus-below-policy',
      message: `an RSA modulus of ${bits} bits; the policy asks for at least ${minRsaBits}`,
      bits,
      minimum: minRsaBits,
    });
  if (e !== RSA_EXPONENT)
    problems.push({
      rule: 'rsa-public-exponent',
      message: `public exponent ${e}; only 65537 is accepted`,
      exponent: e.toString(),
      required: RSA_EXPONENT.toString(),
    });
  const factors = smallFactors(n);
  if (factors.length > 0)
    // Small primes are public knowledge, not a secret of this key: naming them helps find the generator.
    problems.push({
      rule: 'rsa-small-factor',
      message: `the modulus is divisible by ${factors.join(', ')}`,
      factors,
    });
  if (hasRocaFingerprint(n))
    problems.push({
      rule: 'rsa-roca',
      message:
        'the modulus has the structure of Infineon RSALib keys (ROCA, CVE-2017-15361): it can be factored',
    });
  if (fermatFactorable(n, FERMAT_ROUNDS))
    problems.push({
      rule: 'rsa-fermat',
      message: `the modulus's primes are so close that Fermat's method factors it within ${FERMAT_ROUNDS} rounds`,
      rounds: FERMAT_ROUNDS,
    });
  return problems;
}

function primesBelow(limit: number): number[] {
  const composite = new Uint8Array(limit);
  const primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return primes;
}

/** Boulder's small-prime bound: every prime below 752, 2 included (an even modulus is as broken). */
const SMALL_PRIMES = primesBelow(752);
const SMALL_PRIME_PRODUCT = SMALL_PRIMES.reduce((product, p) => product * BigInt(p), 1n);

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** One gcd with the product of all small primes; only a hit pays for finding which ones. */
export function smallFactors(n: bigint): number[] {
  if (gcd(n, SMALL_PRIME_PRODUCT) === 1n) return [];
  return SMALL_PRIMES.filter((p) => n % BigInt(p) === 0n);
}

/**
 * ROCA (Nemec et al., CCS 2017): RSALib primes are k·M + (65537^a mod M), M a primorial, so N mod every
 * prime p_i dividing M lies in the subgroup ⟨65537⟩ of (Z/p_i)*. A random N falls in all 38 subgroups for
 * p_i = 3..167 with probability about 2^-154, so a hit is the fingerprint. This is the published
 * detector's test (its bit masks are these sets).
 */
const ROCA_PRIMES = SMALL_PRIMES.filter((p) => p >= 3 && p <= 167);
const ROCA_SUBGROUPS: readonly { readonly prime: bigint; readonly members: ReadonlySet<bigint> }[] =
  ROCA_PRIMES.map((p) => {
    const prime = BigInt(p);
    const generator = RSA_EXPONENT % prime;
    const members = new Set<bigint>();
    for (let g = 1n; !members.has(g); g = (g * generator) % prime) members.add(g);
    return { prime, members };
  });

export function hasRocaFingerprint(n: bigint): boolean {
  return ROCA_SUBGROUPS.every(({ prime, members }) => members.has(n % prime));
}

/** ⌊√n⌋ by Newton's method; BigInt has no sqrt. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('square root of a negative number');
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * Fermat: N = a² − b² = (a − b)(a + b). Starting at a = ⌈√N⌉, b² = a² − N is a square within a few
 * rounds exactly when p and q share roughly their top half of bits.
 */
export function fermatFactorable(n: bigint, rounds: number): boolean {
  let a = isqrt(n);
  if (a * a === n) return true;
  a += 1n;
  for (let i = 0; i < rounds; i++, a++) {
    const b2 = a * a - n;
    const b = isqrt(b2);
    if (b * b === b2) return true;
  }
  return false;
}

interface Curve {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly bytes: number;
}

/** SEC 2 / FIPS 186-4 domain parameters. Both have cofactor 1: a point on the curve is in the group. */
const CURVE_PARAMETERS: Readonly<Record<(typeof ALLOWED_CURVES)[number], Curve>> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
};

function ecProblems(curveName: string, point: Uint8Array): KeyRefusalDetail[] {
  if (!(ALLOWED_CURVES as readonly string[]).includes(curveName))
    return [
      {
        rule: 'ec-curve',
        message: `an EC key on ${curveName}; ${ALLOWED_CURVES.join(' and ')} are accepted`,
        curve: curveName,
        allowed: ALLOWED_CURVES,
      },
    ];
  const curve = CURVE_PARAMETERS[curveName as (typeof ALLOWED_CURVES)[number]];
  if (point.length === 1 && point[0] === 0x00)
    return [{ rule: 'ec-point-infinity', message: 'the public point is the point at infinity' }];
  if (point[0] !== 0x04 || point.length !== 1 + 2 * curve.bytes)
    return [
      {
        rule: 'ec-point-encoding',
        message: `the public point is not an uncompressed ${curveName} point (0x04, X, Y)`,
      },
    ];
  const x = bigintFromBytes(point.subarray(1, 1 + curve.bytes));
  const y = bigintFromBytes(point.subarray(1 + curve.bytes));
  if (x >= curve.p || y >= curve.p)
    return [
      { rule: 'ec-point-range', message: "a coordinate of the public point is not below the field's prime" },
    ];
  if ((y * y - (x * x * x + curve.a * x + curve.b)) % curve.p !== 0n)
    return [{ rule: 'ec-point-not-on-curve', message: `the public point is not on ${curveName}` }];
  return [];
}
