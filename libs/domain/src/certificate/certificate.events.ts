import { SealedPrivateKey } from '../pki/certificate-authority';

/** RFC 5280 CRLReason values a certificate is revoked for, finally (certificateHold suspends instead, and
 * removeFromCRL is what ReleaseCertificateHold does). */
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

/** What RevokeCertificate takes: every RFC 5280 reason a certificate can be put on a CRL for. */
export const REVOCATION_REQUEST_REASONS = [...REVOCATION_REASONS, 'certificateHold'] as const;
export type RevocationRequestReason = (typeof REVOCATION_REQUEST_REASONS)[number];

/** RFC 5280 §5.3.1 CRLReason codes (7 is unused). */
export const CRL_REASON_CODES: Readonly<Record<RevocationRequestReason | 'removeFromCRL', number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

/** How far ahead of notAfter a certificate is `expiring` when no policy says otherwise (seed 001's view). */
export const DEFAULT_RENEWAL_THRESHOLD_DAYS = 30;
/** The reminders after the first `expiring` notice, in days before notAfter. */
export const EXPIRY_REMINDER_DAYS = [7, 1] as const;
export type ExpiryReminderDays = (typeof EXPIRY_REMINDER_DAYS)[number];

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

export interface SubjectAlternativeName {
  readonly type: 'DNS' | 'IP' | 'EMAIL' | 'URI';
  readonly value: string;
}

/** What a certificate's inventory row shows besides the facts: read out of the certificate itself. */
export interface CertificateDescription {
  readonly commonName: string | null;
  /** Seed 001's `[{"type":"DNS","value":…}]` shape. */
  readonly subjectAlternativeNames: readonly SubjectAlternativeName[];
  readonly keyAlgorithm: 'RSA' | 'ECDSA' | 'other';
  /** RSA modulus bits, or the curve's size (256, 384). */
  readonly keySize: number | null;
  readonly isCa: boolean;
  /** SHA-256 of the SubjectPublicKeyInfo, hex: the same key in two certificates has the same value. */
  readonly publicKeyFingerprint: string;
}

/** Where a server-side key is, and with which key-encryption key its data key was wrapped when sealed. */
export interface StoredPrivateKey extends SealedPrivateKey {
  readonly algorithm: string;
}

/** Facts about one certificate, in stream `certificate-<certificateId>`. */
export type CertificateEvent =
  | {
      /** Seed 000's import of an outside certificate; readers derive its description from the PEM. */
      type: 'CertificateRegistered';
      data: { certificateId: string; userId: string; certificateData: string } & CertificateFacts &
        Partial<CertificateDescription>;
    }
  | {
      /** Issued by a certm3 authority under a policy, for a certificate request. */
      type: 'CertificateIssued';
      data: {
        certificateId: string;
        requestId: string;
        /** The owner. */
        userId: string;
        certificateData: string;
        caId: string;
        policyId: string;
        organizationId: string | null;
        /** The key was made here (sealed below) or kept by the requester (`csr`). */
        keySource: 'csr' | 'server';
        privateKey: StoredPrivateKey | null;
        /** The certificate this one renews (RenewCertificate, or the expiry process's auto-renewal). */
        renewalOf?: string;
      } & CertificateFacts &
        CertificateDescription;
    }
  | {
      /** Final. Schema 2 dates it (`revokedAt`) and may carry the invalidity date (RFC 5280 §5.3.2). */
      type: 'CertificateRevoked';
      data: {
        certificateId: string;
        reason: RevocationReason;
        comment?: string;
        /** When the key is known or suspected to have been compromised, or the certificate became invalid. */
        invalidityDate?: string;
        revokedAt: string;
      };
    }
  | {
      /** On hold (CRL reason certificateHold): status `suspended` until released or revoked. */
      type: 'CertificateSuspended';
      data: { certificateId: string; comment?: string; invalidityDate?: string; suspendedAt: string };
    }
  | {
      /** The hold is lifted: the certificate is `active` (or `expiring`) again and leaves the CRL. */
      type: 'CertificateHoldReleased';
      data: { certificateId: string; releasedAt: string };
    }
  | {
      /** Within its renewal threshold of notAfter: status `expiring`. */
      type: 'CertificateExpiring';
      data: { certificateId: string; notAfter: string; thresholdDays: number; markedAt: string };
    }
  | {
      /** A reminder milestone (7 days, 1 day before notAfter) was reached. */
      type: 'CertificateExpiryReminderDue';
      data: { certificateId: string; notAfter: string; withinDays: ExpiryReminderDays; dueAt: string };
    }
  | {
      /** Past notAfter. Schema 2 dates it (`expiredAt`). */
      type: 'CertificateExpired';
      data: { certificateId: string; notAfter: string; expiredAt: string };
    }
  | {
      /** A successor was issued for it. */
      type: 'CertificateRenewed';
      data: { certificateId: string; successorId: string; renewedAt: string };
    }
  | {
      /** The key left certm3 encrypted under the caller's passphrase: an access to key material. */
      type: 'PrivateKeyExported';
      data: { certificateId: string; format: 'pkcs8-encrypted'; exportedBy: string };
    }
  | {
      /** Its data key was destroyed: the sealed key in every event and row can never be opened again. */
      type: 'PrivateKeyDestroyed';
      data: { certificateId: string; dataKeyId: string };
    }
  | {
      type: 'CertificateMetadataSet';
      data: {
        certificateId: string;
        tags: Readonly<Record<string, string>>;
        environment: string | null;
        application: string | null;
        notes: string | null;
      };
    };
