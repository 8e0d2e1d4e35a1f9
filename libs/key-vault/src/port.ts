/**
 * The key hierarchy behind a port (a KMS or an HSM adapter can take its place later):
 *
 *   master key (never stored) ─wraps─► key-encryption keys ─wrap─► one data key per secret ─encrypts─► the secret
 *
 * A sealed secret may be kept anywhere, the immutable event log included: it opens only while its data key
 * is in the vault. Destroying the data key (or the key-encryption key that alone wraps it) makes the secret
 * unrecoverable from everything certm3 stores — crypto-shredding — while every other secret stays readable.
 */
export interface SealedSecret {
  /** The data key that encrypts it, in the vault. */
  readonly dataKeyId: string;
  /** base64 of `version | nonce | tag | ciphertext` (AES-256-GCM under the data key). */
  readonly ciphertext: string;
  /** The key-encryption key that wrapped the data key when it was sealed (a rotation moves it later). */
  readonly keyEncryptionKeyId?: string;
}

export interface KeyEncryptionKeyInfo {
  readonly keyId: string;
  readonly status: 'active' | 'retired' | 'destroyed';
  /** The one key new data keys are wrapped with. */
  readonly current: boolean;
  /** Data keys it wraps now. */
  readonly dataKeys: number;
  readonly createdAt: string;
  readonly retiredAt: string | null;
  readonly destroyedAt: string | null;
}

export interface Rotation {
  readonly rotationId: string;
  readonly oldKeyId: string;
  readonly newKeyId: string;
  readonly startedAt: string;
  /** When the last data key under an older key was re-wrapped; null while some are left. */
  readonly completedAt: string | null;
  /** Data keys this rotation re-wrapped so far. */
  readonly rewrapped: number;
}

export interface KeyVault {
  /** Encrypts `plaintext` under a new data key wrapped by the current key-encryption key. */
  seal(plaintext: Uint8Array, context: string): Promise<SealedSecret>;
  /** DataKeyDestroyedError once its data key was destroyed; DecryptionFailedError for another context. */
  open(sealed: SealedSecret, context: string): Promise<Buffer>;
  /** Crypto-shredding of one secret: idempotent. */
  destroyDataKey(dataKeyId: string): Promise<void>;
  keyEncryptionKeys(): Promise<KeyEncryptionKeyInfo[]>;
  /**
   * A new current key-encryption key: every new data key is wrapped by it from now on. The same
   * `rotationId` again returns the rotation it made, and rotates nothing.
   */
  rotate(rotationId?: string): Promise<Rotation>;
  /** Every rotation, oldest first. */
  rotations(): Promise<Rotation[]>;
  /**
   * Re-wraps up to `limit` data keys still wrapped by an older key under the current one, in one
   * transaction (a crash loses at most the batch, which the next call redoes), and retires every older key
   * that wraps none any more. Returns how many it re-wrapped and how many are left.
   */
  rewrapBatch(limit: number): Promise<{ readonly rewrapped: number; readonly remaining: number }>;
  /** Destroys a retired key-encryption key (one still wrapping data keys is refused). */
  destroyKeyEncryptionKey(keyId: string): Promise<void>;
  close(): Promise<void>;
}

export class KeyVaultError extends Error {}
export class WrongMasterKeyError extends KeyVaultError {}
export class DataKeyDestroyedError extends KeyVaultError {}
export class UnknownDataKeyError extends KeyVaultError {}
export class KeyStillInUseError extends KeyVaultError {}
