import { redactEventData, REDACTED } from './redact';

/** The audit tools redact key material by what it is, not by the name of the field that holds it. */
describe('redacting key material', () => {
  const sealed = {
    dataKeyId: '5b0c3f39-3d8c-4c53-9d5e-0f6a1d1f4e10',
    ciphertext: 'AQID',
    keyEncryptionKeyId: 'k',
  };
  const pem = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n';

  it('hides a sealed secret and a PEM private key under any field name, at any depth', () => {
    const shown = redactEventData('SomethingNew', {
      material: sealed,
      nested: { list: [{ blob: pem }, 'a plain string'] },
      certificateData: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
    expect(shown).toEqual({
      material: REDACTED,
      nested: { list: [{ blob: REDACTED }, 'a plain string'] },
      certificateData: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
  });

  it('hides what the catalogue marks secret (a CA’s and an issued certificate’s sealed key)', () => {
    expect(redactEventData('CertificateIssued', { certificateId: 'c', privateKey: null })).toEqual({
      certificateId: 'c',
      privateKey: REDACTED,
    });
  });
});
