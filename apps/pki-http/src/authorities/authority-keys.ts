import { createPrivateKey, X509Certificate } from 'node:crypto';
import { KeyVault } from '@certm3/key-vault';
import {
  CertIdHash,
  certIdHashes,
  certificateSubject,
  IssuerProfile,
  issuerProfile,
  responderKeyHash,
  subjectPublicKeyBits,
} from '@certm3/pki';
import { Authority } from '../ledger/certificate-ledger';

/** What a CA's sealed key is bound to in the vault (as the command API seals it). */
export const authorityKeyContext = (caId: string) => `certificate-authority/${caId}/private-key`;

/** What is public about an authority, read out of its certificate once. */
export interface AuthorityCertificate {
  readonly caId: string;
  readonly der: Buffer;
  readonly pem: string;
  readonly notAfter: Date;
  /** Its subject, DER: a CRL's issuer, a responder certificate's issuer. */
  readonly subject: Buffer;
  /** SHA-1 of its key bits: the ResponderID when the CA signs OCSP responses itself. */
  readonly keyHash: Buffer;
  /** How CertIDs name it, per hash algorithm. */
  readonly certIdHashes: Record<CertIdHash, { readonly nameHash: Buffer; readonly keyHash: Buffer }>;
}

const certificates = new WeakMap<Authority, AuthorityCertificate>();

/** The authority's certificate, parsed once per version of the authority; undefined while it has none. */
export function authorityCertificate(authority: Authority): AuthorityCertificate | undefined {
  if (!authority.certificatePem) return undefined;
  let known = certificates.get(authority);
  if (!known) {
    const certificate = new X509Certificate(authority.certificatePem);
    const { subject, spki } = certificateSubject(certificate.raw);
    known = {
      caId: authority.caId,
      der: certificate.raw,
      pem: certificate.toString(),
      notAfter: new Date(certificate.validTo),
      subject,
      keyHash: responderKeyHash(spki),
      certIdHashes: certIdHashes({ subject, subjectPublicKey: subjectPublicKeyBits(spki) }),
    };
    certificates.set(authority, known);
  }
  return known;
}

/**
 * The authorities' signing keys, opened from the vault when first needed and kept in memory (as KeyObjects,
 * never written anywhere): a CRL is re-signed within a second of each revocation, which cannot wait for a
 * vault round trip. Keyed by the sealed key's data key and the certificate, so a changed authority is
 * opened afresh; a failed opening (vault down) is not remembered.
 */
export class AuthorityKeys {
  private readonly opened = new Map<string, Promise<IssuerProfile>>();

  constructor(private readonly vault: () => KeyVault) {}

  open(authority: Authority): Promise<IssuerProfile> {
    const certificate = authorityCertificate(authority);
    if (!certificate) return Promise.reject(new Error(`authority ${authority.caId} has no certificate yet`));
    const key = `${authority.caId}/${authority.privateKey.dataKeyId}/${certificate.der.length}`;
    let opening = this.opened.get(key);
    if (!opening) {
      opening = this.load(authority, certificate);
      this.opened.set(key, opening);
      opening.catch(() => this.opened.delete(key));
    }
    return opening;
  }

  private async load(authority: Authority, certificate: AuthorityCertificate): Promise<IssuerProfile> {
    const pkcs8 = await this.vault().open(authority.privateKey, authorityKeyContext(authority.caId));
    try {
      return issuerProfile(certificate.der, createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    } finally {
      pkcs8.fill(0);
    }
  }
}
