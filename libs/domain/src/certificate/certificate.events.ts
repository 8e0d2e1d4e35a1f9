/** RFC 5280 CRLReason values a certificate can be revoked for (removeFromCRL and certificateHold excluded:
 * revocation here is final). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** What certm3 reads out of a certificate when it is registered; the PEM itself is kept beside it. */
export interface CertificateFacts {
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  /** ISO-8601 UTC */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprintSha256: string;
}

/** Facts about one certificate, in stream `certificate-<certificateId>`. */
export type CertificateEvent =
  | {
      type: 'CertificateRegistered';
      data: { certificateId: string; userId: string; certificateData: string } & CertificateFacts;
    }
  | {
      type: 'CertificateRevoked';
      data: { certificateId: string; reason: RevocationReason; comment?: string };
    }
  | { type: 'CertificateExpired'; data: { certificateId: string; notAfter: string } };
