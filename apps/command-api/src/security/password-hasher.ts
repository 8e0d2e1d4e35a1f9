import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * Salted scrypt, encoded with its parameters ("scrypt$N=32768,r=8,p=1$salt$hash") so the cost can be raised
 * later without invalidating stored hashes. The password never leaves this class.
 */
@Injectable()
export class PasswordHasher {
  constructor(private readonly log2Cost = 15) {}

  async hash(password: string): Promise<string> {
    const N = 2 ** this.log2Cost;
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, N);
    return `scrypt$N=${N},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const match = /^scrypt\$N=(\d+),r=8,p=1\$([^$]+)\$([^$]+)$/.exec(encoded);
    if (!match) return false;
    const expected = Buffer.from(match[3], 'base64');
    const key = await derive(password, Buffer.from(match[2], 'base64'), Number(match[1]));
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
}

function derive(password: string, salt: Buffer, N: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { N, r: 8, p: 1, maxmem: 256 * N * 8 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}
