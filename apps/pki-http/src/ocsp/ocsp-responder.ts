import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { describeError } from '@certm3/common';
import {
  MalformedOcspRequest,
  OcspCertificateStatus,
  ocspErrorResponse,
  OcspRequest,
  parseOcspRequest,
  writeOcspResponse,
} from '@certm3/pki';
import { authorityCertificate } from '../authorities/authority-keys';
import {
  AuthorityLedger,
  CertificateLedger,
  CertificateRecord,
  LedgerChange,
} from '../ledger/certificate-ledger';
import { LedgerListener } from '../ledger/ledger-feed';
import { PkiMetrics } from '../metrics/pki-metrics';
import { ActiveSigner, ResponderSigners } from './responder-signers';

/** An OCSP answer and, for a cacheable one, what HTTP caches are told of it. */
export interface OcspAnswer {
  readonly body: Buffer;
  readonly cache?: { readonly producedAt: Date; readonly nextUpdate: Date; readonly etag: string };
}

interface CachedAnswer {
  readonly answer: Promise<OcspAnswer>;
  /** The certificate's version when signed (-1: unknown to the ledger then). */
  readonly version: number;
  readonly generation: number;
  refreshAt: number;
}

/** Answers kept at most (about 1 KB each, the responder certificate included): past it the oldest go. */
const MAX_CACHED = 100_000;

/**
 * The OCSP responder (RFC 6960, profiled by RFC 5019): good, revoked (with its time and reason; a hold is
 * revoked with reason certificateHold) or unknown for each certificate asked about, from the ledger.
 * Answers to requests without a nonce (what RFC 5019 clients send) are signed once per certificate and
 * served from memory until the certificate changes (its version in the ledger), its signer changes, or
 * half of the answer's validity has passed; a request with a nonce is signed for itself, the nonce echoed.
 * Nothing here throws at a caller: a malformed request is malformedRequest, an issuer it does not serve
 * unauthorized, a ledger still catching up tryLater, anything else internalError (logged).
 */
export class OcspResponder implements LedgerListener {
  private readonly logger = new Logger('OcspResponder');
  private readonly issuers = new Map<string, AuthorityLedger>();
  private readonly cache = new Map<string, CachedAnswer>();
  private caughtUpWithLog = false;

  constructor(
    private readonly ledger: CertificateLedger,
    private readonly signers: ResponderSigners,
    private readonly validityMinutes: number,
    private readonly metrics: PkiMetrics,
  ) {}

  caughtUp(): void {
    this.caughtUpWithLog = true;
    for (const ledger of this.ledger.authorities.values()) this.indexIssuer(ledger);
  }

  changed(change: LedgerChange): void {
    if (change.kind === 'authority') this.indexIssuer(this.ledger.authorities.get(change.caId)!);
  }

  /** Makes the authority's responder now, so that its first request does not wait for it. */
  private indexIssuer(ledger: AuthorityLedger): void {
    const certificate = authorityCertificate(ledger.authority);
    if (!certificate) return;
    for (const [hash, { nameHash, keyHash }] of Object.entries(certificate.certIdHashes))
      this.issuers.set(`${hash}:${nameHash.toString('hex')}:${keyHash.toString('hex')}`, ledger);
    this.signers.signerFor(ledger.authority).catch((error: unknown) =>
      this.logger.warn({
        message: 'no OCSP signer for the authority yet',
        caId: ledger.authority.caId,
        error: describeError(error),
      }),
    );
  }

  async answer(der: Buffer): Promise<OcspAnswer> {
    let outcome = 'internalError';
    let cached = false;
    try {
      if (!this.caughtUpWithLog) return { body: ocspErrorResponse((outcome = 'tryLater')) };
      let request: OcspRequest;
      try {
        request = parseOcspRequest(der);
      } catch (error) {
        if (error instanceof MalformedOcspRequest)
          return { body: ocspErrorResponse((outcome = 'malformedRequest')) };
        throw error;
      }
      const issuer = this.issuerOf(request);
      if (!issuer) return { body: ocspErrorResponse((outcome = 'unauthorized')) };
      const signer = await this.signers.signerFor(issuer.authority).catch((error: unknown) => {
        this.logger.warn({
          message: 'no OCSP signer',
          caId: issuer.authority.caId,
          error: describeError(error),
        });
        return undefined;
      });
      if (!signer) return { body: ocspErrorResponse((outcome = 'tryLater')) };
      const records = request.items.map((item) =>
        item.serialNumber ? issuer.bySerial.get(item.serialNumber.toString('hex')) : undefined,
      );
      outcome = records.length === 1 ? statusOf(records[0]).status : 'multiple';
      if (request.nonceExtension || request.items.length > 1)
        return await this.sign(request, records, signer);
      const key = request.items[0].certId.toString('latin1');
      const version = records[0]?.version ?? -1;
      const known = this.cache.get(key);
      if (
        known &&
        known.version === version &&
        known.generation === signer.generation &&
        Date.now() < known.refreshAt
      ) {
        cached = true;
        return await known.answer;
      }
      const answer = this.sign(request, records, signer);
      const entry: CachedAnswer = { answer, version, generation: signer.generation, refreshAt: Infinity };
      if (this.cache.size >= MAX_CACHED) this.evict();
      this.cache.set(key, entry);
      answer.then(
        (signed) => {
          const { producedAt, nextUpdate } = signed.cache!;
          entry.refreshAt = producedAt.getTime() + (nextUpdate.getTime() - producedAt.getTime()) / 2;
        },
        () => this.cache.get(key) === entry && this.cache.delete(key),
      );
      return await answer;
    } catch (error) {
      this.logger.error({ message: 'OCSP request failed', error: describeError(error) });
      return { body: ocspErrorResponse((outcome = 'internalError')) };
    } finally {
      this.metrics.ocspResponses.inc({ outcome, cached: String(cached) });
    }
  }

  /** The one authority every certificate asked about is named by; undefined if it is none this serves. */
  private issuerOf(request: OcspRequest): AuthorityLedger | undefined {
    let found: AuthorityLedger | undefined;
    for (const item of request.items) {
      if (!item.hash) return undefined;
      const issuer = this.issuers.get(
        `${item.hash}:${item.issuerNameHash.toString('hex')}:${item.issuerKeyHash.toString('hex')}`,
      );
      if (!issuer || (found && found !== issuer)) return undefined;
      found = issuer;
    }
    return found;
  }

  private async sign(
    request: OcspRequest,
    records: readonly (CertificateRecord | undefined)[],
    signer: ActiveSigner,
  ): Promise<OcspAnswer> {
    const producedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(
      Math.min(producedAt.getTime() + this.validityMinutes * 60_000, signer.notAfter.getTime()),
    );
    const body = await writeOcspResponse({
      signer,
      producedAt,
      responses: request.items.map((item, index) => ({
        certId: item.certId,
        certificateStatus: statusOf(records[index]),
        thisUpdate: producedAt,
        nextUpdate,
      })),
      nonceExtension: request.nonceExtension,
    });
    return {
      body,
      cache: { producedAt, nextUpdate, etag: `"${createHash('sha1').update(body).digest('hex')}"` },
    };
  }

  private evict(): void {
    let drop = Math.ceil(MAX_CACHED / 10);
    for (const key of this.cache.keys()) {
      if (drop-- <= 0) break;
      this.cache.delete(key);
    }
  }
}

function statusOf(record: CertificateRecord | undefined): OcspCertificateStatus {
  if (!record) return { status: 'unknown' };
  const revocation = record.revocation;
  if (revocation.status === 'good') return { status: 'good' };
  return { status: 'revoked', revokedAt: revocation.revokedAt, reasonCode: revocation.reasonCode };
}
