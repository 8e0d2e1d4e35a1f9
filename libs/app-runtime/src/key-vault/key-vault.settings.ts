import { IsOptional, IsString, Matches } from 'class-validator';
import { POSTGRES_URL } from '../config/common-settings';
import { NatsClientSettings } from '../config/nats-settings';

/**
 * What every app that opens the key hierarchy reads (the command API seals and opens keys; pki-http opens
 * the authorities'), besides the common and NATS settings: the master key, the vault's database, and where
 * relying parties reach certm3's PKI.
 */
export class KeyVaultClientSettings extends NatsClientSettings {
  /**
   * The master key of the key hierarchy (docs/key-hierarchy.md): 32 bytes, base64. It is never written
   * anywhere by certm3. Set it, or CERTM3_MASTER_KEY_FILE, not both; without one the app does not start
   * (`npm start` creates a key file on a fresh machine).
   */
  @IsOptional()
  @IsString()
  CERTM3_MASTER_KEY?: string = undefined;

  /** A file holding the master key in base64, readable by its owner only. */
  @IsOptional()
  @IsString()
  CERTM3_MASTER_KEY_FILE?: string = undefined;

  /** The key vault's own database (wrapped keys only), created if missing. Not a read model. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  KEY_VAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3_key_vault';

  /**
   * Where relying parties reach certm3's CRLs, OCSP responder and CA certificates: issued certificates name
   * `<PKI_BASE_URL>/crl/<caId>.crl`, `/ocsp` and `/ca/<caId>.crt` in their CDP and AIA, and pki-http serves
   * them under its path.
   */
  @IsString()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http:// or https:// URL' })
  PKI_BASE_URL = 'http://localhost:3002';
}
