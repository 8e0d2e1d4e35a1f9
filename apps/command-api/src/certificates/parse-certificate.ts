import { X509Certificate } from 'node:crypto';
import { CertificateFacts } from '@certm3/domain';
import { CommandValidationError } from '../execution/command-executor';

const PEM_CERTIFICATE =
  /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

/**
 * Reads the facts certm3 keeps from a single PEM X.509 certificate. Anything else — another PEM type, a
 * chain, garbage, a certificate node:crypto cannot parse — is a validation failure on `certificateData`.
 */
export function parseCertificate(pem: string): { pem: string; facts: CertificateFacts } {
  const trimmed = pem.trim() + '\n';
  if (!PEM_CERTIFICATE.test(trimmed)) {
    throw invalid(
      'must be exactly one PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(trimmed);
  } catch {
    throw invalid('is not a parseable X.509 certificate');
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  // Node gives "Bad time value" for a validity time it cannot read (regression: toISOString() then threw
  // a RangeError, answered INTERNAL).
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()))
    throw invalid('has a validity period that cannot be read (notBefore/notAfter)');
  return {
    pem: trimmed,
    facts: {
      serialNumber: certificate.serialNumber,
      subject: certificate.subject.replace(/\n/g, ', '),
      issuer: certificate.issuer.replace(/\n/g, ', '),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprintSha256: certificate.fingerprint256,
    },
  };
}

function invalid(problem: string): CommandValidationError {
  return new CommandValidationError([{ field: 'certificateData', problems: [`certificateData ${problem}`] }]);
}
