import { readFileSync, statSync } from 'node:fs';
import { KEY_BYTES } from './envelope';

export class MasterKeyError extends Error {}

/**
 * The master key: from CERTM3_MASTER_KEY (32 bytes, base64) or CERTM3_MASTER_KEY_FILE (a file holding the
 * same, readable by its owner only). It wraps the key-encryption keys and is never written anywhere by
 * certm3: not a database, an event, a log line nor a reply. Anything else is a clear refusal to start.
 */
export function loadMasterKey(settings: { key?: string; file?: string }): Buffer {
  if (settings.key && settings.file)
    throw new MasterKeyError('set CERTM3_MASTER_KEY or CERTM3_MASTER_KEY_FILE, not both');
  let encoded: string;
  if (settings.key) encoded = settings.key;
  else if (settings.file) {
    let mode: number;
    try {
      mode = statSync(settings.file).mode;
      encoded = readFileSync(settings.file, 'utf8');
    } catch (error) {
      throw new MasterKeyError(
        `CERTM3_MASTER_KEY_FILE ${settings.file} cannot be read: ${(error as Error).message}`,
      );
    }
    if ((mode & 0o077) !== 0)
      throw new MasterKeyError(
        `CERTM3_MASTER_KEY_FILE ${settings.file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
      );
  } else throw new MasterKeyError('no master key: set CERTM3_MASTER_KEY or CERTM3_MASTER_KEY_FILE');
  const trimmed = encoded.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== KEY_BYTES)
    throw new MasterKeyError(`the master key must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
  return key;
}
