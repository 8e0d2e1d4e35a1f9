import { ConfigurationError, loadConfig } from '@certm3/app-runtime';
import { PkiHttpModule } from './pki-http.module';
import { PkiHttpSettings } from './pki-http.settings';

describe('pki-http settings', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(PkiHttpSettings, {})).toMatchObject({
      PKI_HTTP_PORT: 3002,
      PKI_BASE_URL: 'http://localhost:3002',
      PKI_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/certm3_pki',
      CRL_VALIDITY_HOURS: 24,
      OCSP_RESPONSE_VALIDITY_MINUTES: 60,
      OCSP_RESPONDER_VALIDITY_HOURS: 48,
      OCSP_SIGNER: 'responder',
    });
  });

  it('refuses to start without a master key, naming it (it signs with the CAs’ keys)', () => {
    const settings = loadConfig(PkiHttpSettings, {});
    let caught: unknown;
    try {
      PkiHttpModule.forSettings(settings);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).problems).toEqual([
      { variable: 'CERTM3_MASTER_KEY', problem: expect.stringContaining('no master key') },
    ]);
  });

  it('names each malformed setting', () => {
    expect(() => loadConfig(PkiHttpSettings, { CRL_VALIDITY_HOURS: '0', OCSP_SIGNER: 'both' })).toThrow(
      /CRL_VALIDITY_HOURS must be a whole number from 1 to 8760; OCSP_SIGNER must be responder or ca/,
    );
  });
});
