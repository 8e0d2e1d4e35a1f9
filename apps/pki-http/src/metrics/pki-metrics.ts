import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '@certm3/app-runtime';
import { IssuedCrl } from '../store/pki-store';

const CRL_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

interface LastCrl {
  crlNumber: bigint;
  bytes: number;
  entries: number;
  buildMs: number;
  totalMs: number;
  thisUpdate: Date;
}

/** What the PKI read side counts: CRLs issued (how long, how large), OCSP answers by status, the cache. */
@Injectable()
export class PkiMetrics {
  readonly registry = new MetricsRegistry();
  private readonly lastCrl = new Map<string, LastCrl>();
  private readonly crlSeconds = this.registry.register(
    new Histogram(
      'certm3_pki_crl_issue_seconds',
      'Time to issue a CRL: writing and signing it, and recording it (its number) in the pki database.',
      CRL_SECONDS,
    ),
  );
  readonly ocspResponses = this.registry.register(
    new Counter(
      'certm3_pki_ocsp_responses_total',
      'OCSP answers, by outcome (good, revoked, unknown, or the error status) and whether the cache had it.',
    ),
  );

  constructor() {
    const perAuthority = (read: (last: LastCrl) => number) => () =>
      [...this.lastCrl].map(([caId, last]) => ({ labels: { ca_id: caId }, value: read(last) }));
    this.registry.register(
      new Gauge(
        'certm3_pki_crl_number',
        'The cRLNumber of the current CRL.',
        perAuthority((last) => Number(last.crlNumber)),
      ),
    );
    this.registry.register(
      new Gauge(
        'certm3_pki_crl_bytes',
        'The size of the current CRL, DER.',
        perAuthority((last) => last.bytes),
      ),
    );
    this.registry.register(
      new Gauge(
        'certm3_pki_crl_entries',
        'Certificates the current CRL lists.',
        perAuthority((last) => last.entries),
      ),
    );
    this.registry.register(
      new Gauge(
        'certm3_pki_crl_build_ms',
        'Writing and signing the current CRL (its entries encoded beforehand), ms.',
        perAuthority((last) => last.buildMs),
      ),
    );
    this.registry.register(
      new Gauge(
        'certm3_pki_crl_age_seconds',
        'Seconds since the current CRL’s thisUpdate.',
        perAuthority((last) => (Date.now() - last.thisUpdate.getTime()) / 1000),
      ),
    );
  }

  crlIssued(caId: string, crl: IssuedCrl, entries: number, buildMs: number, totalMs: number): void {
    this.crlSeconds.observe(totalMs / 1000);
    this.lastCrl.set(caId, {
      crlNumber: crl.crlNumber,
      bytes: crl.der.length,
      entries,
      buildMs: Math.round(buildMs * 10) / 10,
      totalMs,
      thisUpdate: crl.thisUpdate,
    });
  }
}

@Controller()
export class PkiMetricsController {
  constructor(private readonly metrics: PkiMetrics) {}

  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  metricsText(): string {
    return this.metrics.registry.render();
  }
}
