import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** AES-256-GCM, as every layer of the hierarchy uses it: 32-byte keys, 12-byte nonces, 16-byte tags. */
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_VERSION = 1;

export class DecryptionFailedError extends Error {}

/**
 * Encrypts `plaintext` under `key`, bound to `associatedData` (what the ciphertext is: a data key's id, a
 * private key's certificate), as `version | nonce | tag | ciphertext`. A fresh random nonce per call:
 * with 96-bit nonces and one message per data key, collisions are not a concern.
 */
export function seal(key: Buffer, plaintext: Uint8Array, associatedData: string): Buffer {
  if (key.length !== KEY_BYTES) throw new Error(`an AES-256 key is ${KEY_BYTES} bytes`);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), nonce, cipher.getAuthTag(), body]);
}

/** The plaintext of `sealed`; DecryptionFailedError when the key, the associated data or a byte is wrong. */
export function open(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION)
    throw new DecryptionFailedError('not a sealed value of this format');
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptionFailedError('the sealed value does not open with this key and associated data');
  }
}

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * What the vault stores to recognise its master key at start, never the key: an HMAC of a fixed label
 * under it. A 256-bit random key cannot be recovered from it.
 */
export function masterKeyCheck(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('certm3 key vault: master key check, v1').digest();
}

export function sameCheck(stored: Buffer, masterKey: Buffer): boolean {
  const expected = masterKeyCheck(masterKey);
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

/** Overwrites key material held in memory once it is no longer needed (best effort in a GC'd runtime). */
export function wipe(key: Buffer): void {
  key.fill(0);
}
