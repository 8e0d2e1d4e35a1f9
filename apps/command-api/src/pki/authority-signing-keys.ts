import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { IssuerProfile, issuerProfile } from '@certm3/pki';
import * as x509 from '@peculiar/x509';
import { CaKeyAlgorithm, SealedPrivateKey } from '@certm3/domain';
import { KeyVault } from '@certm3/key-vault';
import { importPrivateKey } from './certificate-builder';

/** What a CA's sealed key is bound to in the vault: it opens as this authority's key only. */
export const authorityKeyContext = (caId: string) => `certificate-authority/${caId}/private-key`;

export interface SigningAuthority {
  readonly caId: string;
  readonly keyAlgorithm: CaKeyAlgorithm;
  readonly privateKey: SealedPrivateKey;
  readonly certificatePem: string;
}

export interface OpenedAuthority {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: webcrypto.CryptoKey;
  /** What its leaves are written with (libs/pki's certificate writer). */
  readonly profile: IssuerProfile;
}

/**
 * The authorities' signing keys, opened from the vault once per instance and kept as non-extractable
 * WebCrypto keys: issuing 400 certificates a second cannot afford a vault round trip and an unwrap each.
 * The cache is keyed by the sealed key's data key, so a CA whose key changed is opened afresh.
 */
export class AuthoritySigningKeys {
  private readonly opened = new Map<string, Promise<OpenedAuthority>>();

  constructor(private readonly vault: () => KeyVault) {}

  open(authority: SigningAuthority): Promise<OpenedAuthority> {
    const key = `${authority.caId}/${authority.privateKey.dataKeyId}`;
    let opening = this.opened.get(key);
    if (!opening) {
      opening = this.load(authority);
      this.opened.set(key, opening);
      // A failure (vault down) is not remembered: the next command tries again.
      opening.catch(() => this.opened.delete(key));
    }
    return opening;
  }

  private async load(authority: SigningAuthority): Promise<OpenedAuthority> {
    const pkcs8 = await this.vault().open(authority.privateKey, authorityKeyContext(authority.caId));
    try {
      const certificate = new x509.X509Certificate(authority.certificatePem);
      return {
        certificate,
        privateKey: await importPrivateKey(pkcs8, authority.keyAlgorithm, { extractable: false }),
        profile: issuerProfile(
          Buffer.from(certificate.rawData),
          createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
        ),
      };
    } finally {
      pkcs8.fill(0);
    }
  }
}
