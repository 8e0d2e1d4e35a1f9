import { SealedPrivateKey } from '../pki/certificate-authority';

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
      } & CertificateFacts &
        CertificateDescription;
    }
  | {
      type: 'CertificateRevoked';
      data: { certificateId: string; reason: RevocationReason; comment?: string };
    }
  | { type: 'CertificateExpired'; data: { certificateId: string; notAfter: string } }
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
