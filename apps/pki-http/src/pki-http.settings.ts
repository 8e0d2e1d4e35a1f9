import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { NatsClientSettings, PortSetting, POSTGRES_URL, WholeNumberSetting } from '@certm3/app-runtime';

/**
 * The public PKI read side's settings: the common ones, NATS's (it answers `<prefix>.pki.crl`), the key
 * vault's (the same master key as the command API: it signs CRLs and responder certificates with the CAs'
 * keys), and its own.
 */
export class PkiHttpSettings extends NatsClientSettings {
  /** CRLs, OCSP, CA certificates, health and metrics. */
  @PortSetting()
  PKI_HTTP_PORT = 3002;

  /**
   * Where relying parties reach this process: issued certificates name `<PKI_BASE_URL>/crl/<caId>.crl`,
   * `/ocsp` and `/ca/<caId>.crt`. Its path (if any) is where the routes are served.
   */
  @IsString()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http:// or https:// URL' })
  PKI_BASE_URL = 'http://localhost:3002';

  /** The CRLs issued (numbers, times, digests, the latest DER) and the responder certificates, created if missing. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  PKI_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3_pki';

  /** A CRL's nextUpdate is this long after its thisUpdate; a fresh one is issued half-way. */
  @WholeNumberSetting(1, 8760)
  CRL_VALIDITY_HOURS = 24;

  /** An OCSP response's nextUpdate is this long after its thisUpdate; cached ones are re-signed half-way. */
  @WholeNumberSetting(1, 10_080)
  OCSP_RESPONSE_VALIDITY_MINUTES = 60;

  /** A delegated responder certificate's lifetime; a new key and certificate are made half-way. */
  @WholeNumberSetting(1, 8760)
  OCSP_RESPONDER_VALIDITY_HOURS = 48;

  /** `responder`: a delegated responder certificate signs OCSP responses; `ca`: the CA's own key does. */
  @IsIn(['responder', 'ca'], { message: 'must be responder or ca' })
  OCSP_SIGNER: 'responder' | 'ca' = 'responder';

  /** The key hierarchy's master key, as the command API has it (this or the file is required). */
  @IsOptional()
  @IsString()
  CERTM3_MASTER_KEY?: string = undefined;

  @IsOptional()
  @IsString()
  CERTM3_MASTER_KEY_FILE?: string = undefined;

  /** The command API's key vault: the CAs' keys are opened from it. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  KEY_VAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3_key_vault';
}
