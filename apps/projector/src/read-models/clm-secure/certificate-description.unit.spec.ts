import { plainHex, readCertificatePem } from './certificate-description';
import {
  LEAF,
  leafDescription,
  NOT_YET_VALID,
  OFFLINE_INTERMEDIATE,
  ROOT,
  spkiFingerprint,
} from './projections/spec-events.fixture';

// What the inventory reads out of a PEM the events do not describe (schema-1 imports, authorities).
describe('reading a certificate PEM', () => {
  it('reads a leaf: RFC 4514 DNs, every SAN kind of the seed, an RSA key and its SPKI fingerprint', () => {
    expect(readCertificatePem(LEAF.pem)).toEqual(leafDescription());
  });

  it('reads authorities as CAs, with the curve size of their EC keys', () => {
    expect(readCertificatePem(ROOT.pem)).toMatchObject({
      subject: 'CN=certm3 Spec Root,O=Spec,C=DE',
      keyAlgorithm: 'ECDSA',
      keySize: 256,
      isCa: true,
      subjectAlternativeNames: [],
    });
    expect(readCertificatePem(OFFLINE_INTERMEDIATE.pem)).toMatchObject({
      issuer: 'CN=Offline Root,O=Offline,C=DE',
      keySize: 384,
      isCa: true,
      publicKeyFingerprint: spkiFingerprint(OFFLINE_INTERMEDIATE),
    });
    expect(readCertificatePem(NOT_YET_VALID.pem)).toMatchObject({
      commonName: 'later.example.com',
      isCa: false,
    });
  });

  it('refuses what is no certificate, naming the PEM', () => {
    expect(() =>
      readCertificatePem('-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n'),
    ).toThrow(/the certificate's PEM cannot be read/);
  });

  it('spells serials and fingerprints as plain lower-case hex', () => {
    expect(plainHex('AB:CD:0E')).toBe('abcd0e');
    expect(plainHex('3E1C39')).toBe('3e1c39');
  });
});
