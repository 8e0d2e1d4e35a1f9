/**
 * Builds the RSA keys openssl will not make on purpose, for the fixtures (run by `fixtures/generate.sh`,
 * once; the outputs are committed). Each key is a real private key, so openssl can sign a CSR with it and
 * the CSR reaches goodkey through the same path as a client's:
 *
 * - `fermat`: q is the next prime after p + 2^20, so |p − q| is tiny and Fermat's method finds both factors
 *   in its first round.
 * - `roca`: both primes have the shape Infineon's RSALib gave them, p = k·M + (65537^a mod M) with M the
 *   product of the primes 3..167 (the M RSALib used for 512-bit primes; we reuse it for 1024-bit primes,
 *   which keeps N's residues in ⟨65537⟩ mod every p_i — the fingerprint — and that is all the test needs).
 *   So N ≡ 65537^(a+b) (mod M): the fingerprint holds by construction.
 * - `small-factor`: N = 751 · q, q a 2038-bit prime, adjusted until N has exactly 2048 bits. Only the
 *   public key is written: a private key with a three-digit prime is not worth feeding to openssl.
 *
 * Usage: node -r @swc-node/register libs/pki/src/testing/make-weak-keys.ts <out-dir>
 */
import {
  checkPrimeSync,
  createPrivateKey,
  createPublicKey,
  generatePrimeSync,
  randomBytes,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const E = 65537n;
const ROCA_PRIMES = [
  3n,
  5n,
  7n,
  11n,
  13n,
  17n,
  19n,
  23n,
  29n,
  31n,
  37n,
  41n,
  43n,
  47n,
  53n,
  59n,
  61n,
  67n,
  71n,
  73n,
  79n,
  83n,
  89n,
  97n,
  101n,
  103n,
  107n,
  109n,
  113n,
  127n,
  131n,
  137n,
  139n,
  149n,
  151n,
  157n,
  163n,
  167n,
];

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % m) + m) % m;
}

function randomBigInt(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  return BigInt('0x' + bytes.toString('hex')) >> BigInt(bytes.length * 8 - bits);
}

function isPrime(n: bigint): boolean {
  return checkPrimeSync(n, { checks: 32 });
}

function nextPrime(from: bigint): bigint {
  let candidate = from | 1n;
  while (!isPrime(candidate)) candidate += 2n;
  return candidate;
}

function b64url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function writePrivateKey(path: string, p: bigint, q: bigint): void {
  const n = p * q;
  const d = modInverse(E, (p - 1n) * (q - 1n));
  const jwk = {
    kty: 'RSA',
    n: b64url(n),
    e: b64url(E),
    d: b64url(d),
    p: b64url(p),
    q: b64url(q),
    dp: b64url(d % (p - 1n)),
    dq: b64url(d % (q - 1n)),
    qi: b64url(modInverse(q, p)),
  };
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  writeFileSync(path, key.export({ type: 'pkcs8', format: 'pem' }));
}

function fermatPrimes(): [bigint, bigint] {
  for (;;) {
    const p = generatePrimeSync(1024, { bigint: true });
    const q = nextPrime(p + (1n << 20n));
    if ((p - 1n) % E !== 0n && (q - 1n) % E !== 0n && (p * q).toString(2).length === 2048) return [p, q];
  }
}

function rocaPrime(M: bigint): bigint {
  for (;;) {
    // k·M below 2^1025; keeping the 1024-bit ones leaves p·q free to reach 2048 bits.
    const k = randomBigInt(1025 - M.toString(2).length);
    const candidate = k * M + modPow(E, randomBigInt(64), M);
    if (candidate.toString(2).length === 1024 && isPrime(candidate)) return candidate;
  }
}

function rocaPrimes(): [bigint, bigint] {
  const M = ROCA_PRIMES.reduce((product, p) => product * p, 1n);
  for (;;) {
    const p = rocaPrime(M);
    const q = rocaPrime(M);
    if ((p * q).toString(2).length === 2048 && (p - 1n) % E !== 0n && (q - 1n) % E !== 0n) return [p, q];
  }
}

function smallFactorModulus(): bigint {
  for (;;) {
    const q = generatePrimeSync(2038, { bigint: true });
    const n = 751n * q;
    if (n.toString(2).length === 2048) return n;
  }
}

function main(outDir: string): void {
  const [fp, fq] = fermatPrimes();
  writePrivateKey(join(outDir, 'fermat.key.pem'), fp, fq);
  const [rp, rq] = rocaPrimes();
  writePrivateKey(join(outDir, 'roca.key.pem'), rp, rq);
  const n = smallFactorModulus();
  const publicKey = createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(E) }, format: 'jwk' });
  writeFileSync(
    join(outDir, 'rsa2048-small-factor.pub.pem'),
    publicKey.export({ type: 'spki', format: 'pem' }),
  );
}

main(process.argv[2] ?? '.');
