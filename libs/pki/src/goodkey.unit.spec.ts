import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { parseCertificateRequest } from './csr';
import {
  checkPublicKey,
  fermatFactorable,
  hasRocaFingerprint,
  isqrt,
  KeyPolicy,
  KeyRefusal,
} from './goodkey';
import { describePublicKey } from './spki';
import { fixture } from './testing/fixtures';

function csrKey(name: string): Buffer {
  return parseCertificateRequest(fixture(name)).publicKey.spki;
}

function pubKey(name: string): KeyObject {
  return createPublicKey(fixture(name));
}

function rulesOf(key: KeyObject | Uint8Array, policy?: KeyPolicy): string[] {
  try {
    checkPublicKey(key, policy);
  } catch (error) {
    if (!(error instanceof KeyRefusal)) throw error;
    expect(error.code).toBe('WEAK_KEY');
    return error.details.map((d) => d.rule);
  }
  return [];
}

/** The P-256 fixture's SPKI with another public point in it: node would not import most of these. */
function p256WithPoint(edit: (point: Buffer) => Buffer): Buffer {
  const info = AsnParser.parse(
    pubKey('p256.pub.pem').export({ type: 'spki', format: 'der' }),
    SubjectPublicKeyInfo,
  );
  const edited = edit(Buffer.from(info.subjectPublicKey));
  const point = edited.buffer.slice(edited.byteOffset, edited.byteOffset + edited.byteLength) as ArrayBuffer;
  return Buffer.from(
    AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm: info.algorithm, subjectPublicKey: point })),
  );
}

const P256_PRIME = Buffer.from('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff', 'hex');

describe('checkPublicKey', () => {
  describe('accepts', () => {
    it.each(['rsa2048.csr.pem', 'rsa3072.csr.pem', 'rsa4096.csr.pem', 'p256.csr.pem', 'p384.csr.pem'])(
      'openssl’s %s',
      (name) => {
        expect(rulesOf(csrKey(name))).toEqual([]);
      },
    );

    it('a KeyObject as well as SPKI bytes', () => {
      expect(rulesOf(pubKey('p256.pub.pem'))).toEqual([]);
      expect(rulesOf(parseCertificateRequest(fixture('rsa2048.csr.pem')).publicKey.keyObject)).toEqual([]);
    });

    it('RSA-4096 under a policy asking for 3072 bits', () => {
      expect(rulesOf(csrKey('rsa4096.csr.pem'), { minRsaBits: 3072 })).toEqual([]);
    });
  });

  describe('refuses RSA', () => {
    it('rsa-modulus-size: 1024 bits', () => {
      expect(rulesOf(csrKey('rsa1024.csr.pem'))).toEqual(['rsa-modulus-size']);
    });

    it('rsa-modulus-size: 2560 bits, larger than 2048 but not an accepted size', () => {
      expect(rulesOf(csrKey('rsa2560.csr.pem'))).toEqual(['rsa-modulus-size']);
    });

    it('rsa-modulus-below-policy: 2048 bits under a policy asking for 3072', () => {
      // given a policy whose min_key_size is 3072
      // when a good 2048-bit key is checked
      // then only the policy's rule fails, and the refusal says both numbers
      try {
        checkPublicKey(csrKey('rsa2048.csr.pem'), { minRsaBits: 3072 });
        throw new Error('accepted');
      } catch (error) {
        expect((error as KeyRefusal).details).toEqual([
          expect.objectContaining({ rule: 'rsa-modulus-below-policy', bits: 2048, minimum: 3072 }),
        ]);
      }
    });

    it('rsa-public-exponent: e = 3', () => {
      expect(rulesOf(csrKey('rsa2048-e3.csr.pem'))).toEqual(['rsa-public-exponent']);
    });

    it('rsa-small-factor: a 2048-bit modulus divisible by 751, and the refusal names 751', () => {
      const key = pubKey('rsa2048-small-factor.pub.pem');
      expect(rulesOf(key)).toEqual(['rsa-small-factor']);
      expect(() => checkPublicKey(key)).toThrow(/divisible by 751/);
    });

    it('rsa-roca: a modulus built from RSALib-shaped primes', () => {
      expect(rulesOf(csrKey('rsa2048-roca.csr.pem'))).toEqual(['rsa-roca']);
    });

    it('rsa-fermat: primes 2^20 apart', () => {
      expect(rulesOf(csrKey('rsa2048-fermat.csr.pem'))).toEqual(['rsa-fermat']);
    });

    it('every broken rule at once, so one refusal says all there is to change', () => {
      // given a 2560-bit modulus with e = 3 and the factor 5
      const n = 5n * ((1n << 2557n) + 1n);
      const b64 = (v: bigint) =>
        Buffer.from(v.toString(16).padStart(Math.ceil(v.toString(16).length / 2) * 2, '0'), 'hex').toString(
          'base64url',
        );
      const key = createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(3n) }, format: 'jwk' });
      expect(rulesOf(key)).toEqual(['rsa-modulus-size', 'rsa-public-exponent', 'rsa-small-factor']);
    });
  });

  describe('refuses EC', () => {
    it.each([
      ['p224.csr.pem', 'P-224'],
      ['p521.csr.pem', 'P-521'],
      ['secp256k1.csr.pem', 'secp256k1'],
    ])('ec-curve: %s is on %s', (name, curve) => {
      expect(() => checkPublicKey(csrKey(name))).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ rule: 'ec-curve', curve })] }),
      );
    });

    it('ec-point-not-on-curve: Y changed by one', () => {
      const spki = p256WithPoint((point) => {
        point[point.length - 1] ^= 0x01;
        return point;
      });
      expect(() => createPublicKey({ key: spki, format: 'der', type: 'spki' })).toThrow();
      expect(rulesOf(spki)).toEqual(['ec-point-not-on-curve']);
    });

    it('ec-point-range: X equal to the field prime', () => {
      const spki = p256WithPoint((point) =>
        Buffer.concat([point.subarray(0, 1), P256_PRIME, point.subarray(33)]),
      );
      expect(rulesOf(spki)).toEqual(['ec-point-range']);
    });

    it('ec-point-infinity: the point at infinity', () => {
      expect(rulesOf(p256WithPoint(() => Buffer.from([0x00])))).toEqual(['ec-point-infinity']);
    });

    it('ec-point-encoding: a compressed point', () => {
      expect(
        rulesOf(p256WithPoint((point) => Buffer.concat([Buffer.from([0x02]), point.subarray(1, 33)]))),
      ).toEqual(['ec-point-encoding']);
    });
  });

  describe('refuses other algorithms, naming them', () => {
    it.each([
      ['ed25519.pub.pem', 'Ed25519'],
      ['dsa.pub.pem', 'DSA'],
    ])('key-algorithm: %s', (name, algorithm) => {
      expect(() => checkPublicKey(pubKey(name))).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ rule: 'key-algorithm', algorithm })] }),
      );
    });

    it('key-unreadable: bytes that are not a key, and a secret key', () => {
      expect(rulesOf(Buffer.from('not a key'))).toEqual(['key-unreadable']);
      expect(rulesOf(createSecretKey(Buffer.alloc(32)))).toEqual(['key-unreadable']);
    });
  });
});

describe('the arithmetic behind the RSA rules', () => {
  it('isqrt is the floor of the square root, around perfect squares too', () => {
    const big = (1n << 1024n) + 12345n;
    for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, big * big - 1n, big * big, big * big + 1n]) {
      const r = isqrt(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }
  });

  it('Fermat finds a perfect square and close primes, not a well-generated key', () => {
    expect(fermatFactorable(1000003n * 1000003n, 100)).toBe(true);
    expect(fermatFactorable(1000003n * 1000033n, 100)).toBe(true);
    const good = describePublicKey(csrKey('rsa2048.csr.pem'));
    expect(good.kind === 'RSA' && fermatFactorable(good.modulus, 100)).toBe(false);
  });

  it('the ROCA test: the RSALib-shaped fixture matches, openssl’s keys and a CRT-made near miss do not', () => {
    const roca = describePublicKey(csrKey('rsa2048-roca.csr.pem'));
    expect(roca.kind === 'RSA' && hasRocaFingerprint(roca.modulus)).toBe(true);
    for (const name of ['rsa2048.csr.pem', 'rsa3072.csr.pem', 'rsa4096.csr.pem']) {
      const key = describePublicKey(csrKey(name));
      expect(key.kind === 'RSA' && hasRocaFingerprint(key.modulus)).toBe(false);
    }
    if (roca.kind !== 'RSA') throw new Error('not RSA');
    // A near miss by CRT: move N's residue modulo one prime whose ⟨65537⟩ is a proper subgroup to a
    // non-member, keeping every other residue (add multiples of the product of the other primes).
    const primes = [
      3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101,
    ]
      .concat([103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167])
      .map(BigInt);
    const subgroup = (p: bigint) => {
      const members = new Set<bigint>();
      for (let g = 1n; !members.has(g); g = (g * (65537n % p)) % p) members.add(g);
      return members;
    };
    const target = primes.find((p) => subgroup(p).size < Number(p) - 1);
    if (target === undefined) throw new Error('no proper subgroup');
    const others = primes.filter((p) => p !== target).reduce((a, b) => a * b, 1n);
    const nearMiss = [...Array(Number(target)).keys()]
      .map((t) => roca.modulus + others * BigInt(t))
      .find((n) => !subgroup(target).has(n % target));
    expect(nearMiss).toBeDefined();
    expect(hasRocaFingerprint(nearMiss as bigint)).toBe(false);
    // And the same CRT makes a fingerprint from scratch: N ≡ 65537 (mod every p_i), any high part.
    const M = primes.reduce((a, b) => a * b, 1n);
    expect(hasRocaFingerprint((12345678901234567890n << 1800n) * M + (65537n % M))).toBe(true);
  });
});
