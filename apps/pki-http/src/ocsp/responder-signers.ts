import { generateKeyPair, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { describeError } from '@certm3/common';
import { OcspResponseSigner, responderKeyHash, writeResponderCertificate } from '@certm3/pki';
import { authorityCertificate, AuthorityKeys } from '../authorities/authority-keys';
import { Authority } from '../ledger/certificate-ledger';
import { PkiStore } from '../store/pki-store';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface ResponderSettings {
  readonly signer: 'responder' | 'ca';
  readonly validityHours: number;
  readonly instanceId: string;
  readonly store: () => PkiStore;
  readonly keys: AuthorityKeys;
}

/** Who signs an authority's OCSP answers now, and until when its answers may run. */
export interface ActiveSigner extends OcspResponseSigner {
  /** Bumped whenever the signer changes: cached answers of an older one are signed again. */
  readonly generation: number;
  /** No answer's nextUpdate may be later (the responder certificate's notAfter, or the CA's). */
  readonly notAfter: Date;
}

const MINUTE = 60_000;
let generations = 0;

/**
 * The signers of OCSP answers, one per authority. By default a delegated responder: a P-256 key made in
 * this process's memory (never stored, never exported), certified by the CA for OCSP_RESPONDER_VALIDITY_HOURS
 * (never past the CA's own notAfter) with id-kp-OCSPSigning and id-pkix-ocsp-nocheck, the certificate
 * recorded in the pki database before its first use; half-way through its life a new key and certificate
 * replace it. Each instance has responders of its own. With OCSP_SIGNER=ca the CA's own key signs.
 */
export class ResponderSigners {
  private readonly logger = new Logger('OcspResponders');
  private readonly signers = new Map<
    string,
    { promise: Promise<ActiveSigner>; renewAt: number; key: string }
  >();

  constructor(private readonly settings: ResponderSettings) {}

  /** The authority's current signer; a new one when none is, or when the current one is due for renewal. */
  signerFor(authority: Authority): Promise<ActiveSigner> {
    const key = `${authority.privateKey.dataKeyId}/${authority.certificatePem?.length ?? 0}`;
    const known = this.signers.get(authority.caId);
    if (known && known.key === key && Date.now() < known.renewAt) return known.promise;
    if (known && known.key === key) {
      // Due for renewal: the current one goes on answering until its successor is ready.
      const current = known.promise;
      known.renewAt = Infinity;
      const next = this.make(authority);
      next.then(
        (signer) => this.signers.set(authority.caId, { promise: next, renewAt: this.renewalOf(signer), key }),
        (error: unknown) => {
          known.renewAt = Date.now() + MINUTE;
          this.logger.warn({
            message: 'could not renew an OCSP responder',
            caId: authority.caId,
            error: describeError(error),
          });
        },
      );
      return current;
    }
    const promise = this.make(authority);
    const entry = { promise, renewAt: Infinity, key };
    this.signers.set(authority.caId, entry);
    promise.then(
      (signer) => (entry.renewAt = this.renewalOf(signer)),
      () => this.signers.delete(authority.caId),
    );
    return promise;
  }

  private renewalOf(signer: ActiveSigner & { notBefore?: Date }): number {
    const from = signer.notBefore?.getTime() ?? Date.now();
    return from + (signer.notAfter.getTime() - from) / 2;
  }

  private async make(authority: Authority): Promise<ActiveSigner & { notBefore?: Date }> {
    const issuer = await this.settings.keys.open(authority);
    const certificate = authorityCertificate(authority)!;
    if (this.settings.signer === 'ca')
      return {
        privateKey: issuer.privateKey,
        signatureAlgorithm: issuer.signatureAlgorithm,
        keyHash: certificate.keyHash,
        certificates: [],
        generation: ++generations,
        notAfter: certificate.notAfter,
      };
    const keys: { privateKey: KeyObject; publicKey: KeyObject } = await generateKeyPairAsync('ec', {
      namedCurve: 'P-256',
    });
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' });
    const now = Math.floor(Date.now() / 1000) * 1000;
    const notBefore = new Date(now - MINUTE); // clocks of relying parties a little behind
    const notAfter = new Date(
      Math.min(now + this.settings.validityHours * 3_600_000, certificate.notAfter.getTime()),
    );
    if (notAfter.getTime() <= now) throw new Error(`authority ${authority.caId}'s certificate has expired`);
    const { commonName, organization, organizationalUnit, country } = authority.subject;
    const written = await writeResponderCertificate({
      issuer,
      subject: {
        commonName: `${commonName.slice(0, 49)} OCSP Responder`,
        organization,
        organizationalUnit,
        country,
      },
      publicKey,
      notBefore,
      notAfter,
    });
    await this.settings.store().recordResponderCertificate({
      caId: authority.caId,
      serialNumber: written.serialNumber.toString('hex'),
      notBefore,
      notAfter,
      der: written.der,
      instanceId: this.settings.instanceId,
    });
    this.logger.log({
      message: 'OCSP responder certificate issued',
      caId: authority.caId,
      serialNumber: written.serialNumber.toString('hex'),
      notAfter: notAfter.toISOString(),
    });
    return {
      privateKey: keys.privateKey,
      signatureAlgorithm: 'ecdsa-with-SHA256',
      keyHash: responderKeyHash(publicKey),
      certificates: [written.der],
      generation: ++generations,
      notBefore,
      notAfter,
    };
  }
}
