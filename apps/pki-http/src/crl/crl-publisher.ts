import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@certm3/common';
import { serializePosition, START_POSITION } from '@certm3/event-store';
import { writeCrl } from '@certm3/pki';
import { AuthorityKeys, authorityCertificate } from '../authorities/authority-keys';
import { CertificateLedger, LedgerChange } from '../ledger/certificate-ledger';
import { LedgerListener } from '../ledger/ledger-feed';
import { PkiMetrics } from '../metrics/pki-metrics';
import { IssuedCrl, PkiStore } from '../store/pki-store';

export interface CrlPublisherSettings {
  readonly validityHours: number;
  readonly instanceId: string;
  readonly store: () => PkiStore;
  readonly keys: AuthorityKeys;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 30_000;
const BEHIND_RETRY_MS = 50;

interface AuthorityCrls {
  current: IssuedCrl | undefined;
  running: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  failures: number;
}

/**
 * Keeps a current CRL for every authority with a certificate: issued once the ledger has caught up, again
 * at once (coalesced: one CRL at a time per authority, the next one right after with everything that came
 * meanwhile) when a certificate of it is revoked, held or released, and again half-way to its nextUpdate.
 * Each CRL gets its number from the pki database (PkiStore.allocateCrlNumber) before it is written, and is
 * recorded there before it is served, so numbers increase across restarts and instances, and a higher
 * number never lists less of the log than a lower one.
 *
 * A certificate past its notAfter stays listed until one CRL issued after its notAfter listed it (RFC 5280
 * §3.3: "until it appears on one regularly scheduled CRL issued beyond the revoked certificate's validity
 * period"), then leaves.
 */
@Injectable()
export class CrlPublisher implements LedgerListener, OnApplicationShutdown {
  private readonly logger = new Logger('CrlPublisher');
  private readonly authorities = new Map<string, AuthorityCrls>();
  private caughtUpWithLog = false;
  private stopped = false;

  constructor(
    private readonly ledger: CertificateLedger,
    private readonly settings: CrlPublisherSettings,
    private readonly metrics: PkiMetrics,
  ) {}

  caughtUp(): void {
    this.caughtUpWithLog = true;
    for (const caId of this.ledger.authorities.keys()) this.request(caId);
  }

  changed(change: LedgerChange): void {
    // A newly issued certificate is good: no CRL lists it. Revocations, holds and releases change the list.
    if (change.kind !== 'issued') this.request(change.caId);
  }

  /** The CRL to serve now; undefined before the authority's first one (or for an authority it does not know). */
  crl(caId: string): IssuedCrl | undefined {
    return this.authorities.get(caId)?.current;
  }

  /** Whether the ledger knows the authority (once caught up). */
  knows(caId: string): boolean {
    return this.ledger.authorities.has(caId);
  }

  isCaughtUp(): boolean {
    return this.caughtUpWithLog;
  }

  /** Authorities with a certificate but no current CRL (health). */
  missing(): string[] {
    const now = Date.now();
    return [...this.ledger.authorities.values()]
      .filter((ledger) => ledger.authority.certificatePem !== null)
      .map((ledger) => ledger.authority.caId)
      .filter((caId) => {
        const current = this.authorities.get(caId)?.current;
        return !current || current.nextUpdate.getTime() <= now;
      });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const state of this.authorities.values()) clearTimeout(state.timer);
  }

  /** A new CRL for the authority as soon as possible: now, or right after the one being issued. */
  request(caId: string, delayMs = 0): void {
    if (this.stopped || !this.caughtUpWithLog) return;
    const state = this.stateOf(caId);
    if (state.running) {
      state.again = true;
      return;
    }
    clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.issue(caId), delayMs);
  }

  private stateOf(caId: string): AuthorityCrls {
    let state = this.authorities.get(caId);
    if (!state) {
      state = { current: undefined, running: false, again: false, timer: undefined, failures: 0 };
      this.authorities.set(caId, state);
    }
    return state;
  }

  private async issue(caId: string): Promise<void> {
    const state = this.stateOf(caId);
    const ledger = this.ledger.authorities.get(caId);
    if (!ledger || !authorityCertificate(ledger.authority) || this.stopped) return;
    state.running = true;
    state.again = false;
    let nextInMs: number | undefined;
    try {
      const began = performance.now();
      const issuer = await this.settings.keys.open(ledger.authority);
      // What the CRL lists and how far the log was read, taken together (nothing runs in between).
      const position = this.ledger.position ?? START_POSITION;
      const listed = Array.from(ledger.listed.values(), (record) => ({
        entry: record.crlEntry!,
        notAfter: record.notAfter,
        revokedAt: record.revocation.status === 'good' ? 0 : record.revocation.revokedAt.getTime(),
      }));
      const validityMs = this.settings.validityHours * 3_600_000;
      const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + validityMs);
      const store = this.settings.store();
      const allocation = await store.allocateCrlNumber(caId, position, thisUpdate);
      if ('behind' in allocation) {
        nextInMs = BEHIND_RETRY_MS;
        return;
      }
      const building = performance.now();
      // Listed on a CRL issued after its notAfter already: it leaves now.
      const after = allocation.previousThisUpdate?.getTime() ?? -Infinity;
      const entries = listed
        .filter((item) => item.notAfter >= after || item.revokedAt > after)
        .map((item) => item.entry);
      const der = await writeCrl({
        issuer,
        crlNumber: allocation.crlNumber,
        thisUpdate,
        nextUpdate,
        entries,
      });
      const buildMs = performance.now() - building;
      const crl: IssuedCrl = {
        caId,
        crlNumber: allocation.crlNumber,
        thisUpdate,
        nextUpdate,
        position: serializePosition(position),
        der,
      };
      await store.recordCrl(crl, entries.length, this.settings.instanceId);
      if (!state.current || state.current.crlNumber < crl.crlNumber) state.current = crl;
      state.failures = 0;
      const totalMs = performance.now() - began;
      this.metrics.crlIssued(caId, crl, entries.length, buildMs, totalMs);
      this.logger.log({
        message: 'CRL issued',
        caId,
        crlNumber: crl.crlNumber.toString(),
        entries: entries.length,
        bytes: der.length,
        buildMs: Math.round(buildMs),
        totalMs: Math.round(totalMs),
      });
      const refreshAt = crl.thisUpdate.getTime() + validityMs / 2;
      nextInMs = Math.max(0, refreshAt - Date.now());
    } catch (error) {
      state.failures += 1;
      nextInMs = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(state.failures, 10));
      this.logger.warn({
        message: 'could not issue a CRL; trying again',
        caId,
        retryInMs: nextInMs,
        error: describeError(error),
      });
    } finally {
      state.running = false;
      if (state.again) this.request(caId);
      // setTimeout holds 32-bit milliseconds: a refresh further away than ~24 days is checked again then.
      else if (nextInMs !== undefined) this.request(caId, Math.min(nextInMs, 2 ** 31 - 1));
    }
  }
}
