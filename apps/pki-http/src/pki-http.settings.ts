import { IsIn, IsString, Matches } from 'class-validator';
import { KeyVaultClientSettings, PortSetting, POSTGRES_URL, WholeNumberSetting } from '@certm3/app-runtime';

/**
 * The public PKI read side's settings: the common ones, NATS's (it answers `<prefix>.pki.crl`), the key
 * vault's (the same master key as the command API: it signs CRLs and responder certificates with the CAs'
 * keys), and its own.
 */
export class PkiHttpSettings extends KeyVaultClientSettings {
  /** CRLs, OCSP, CA certificates, health and metrics. */
  @PortSetting()
  PKI_HTTP_PORT = 3002;

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
}
