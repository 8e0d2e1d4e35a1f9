import { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { describeError, isUuid } from '@certm3/common';
import { ocspErrorResponse } from '@certm3/pki';
import { authorityCertificate } from '../authorities/authority-keys';
import { CrlPublisher } from '../crl/crl-publisher';
import { CertificateLedger } from '../ledger/certificate-ledger';
import { OcspAnswer, OcspResponder } from '../ocsp/ocsp-responder';

/** Larger OCSP requests are malformed: one asks about a few certificates in a few hundred bytes. */
const MAX_OCSP_REQUEST_BYTES = 64 * 1024;

/**
 * The public routes, under PKI_BASE_URL's path, answered on node:http directly, ahead of Nest and Express
 * (which serve /health and /metrics): an OCSP answer from the cache is a table look-up, and Express's
 * routing alone halved the requests per second measured here. Every answer is one write with its length.
 *
 *   POST <base>/ocsp               application/ocsp-request → application/ocsp-response (RFC 6960 A.1)
 *   GET  <base>/ocsp/<base64 DER>  the same, cacheable by HTTP caches (RFC 5019 §5)
 *   GET  <base>/crl/<caId>.crl     application/pkix-crl, DER (RFC 5280)
 *   GET  <base>/ca/<caId>.crt      application/pkix-cert, DER (RFC 2585) — what AIA caIssuers names
 *   GET  <base>/ca/<caId>.pem      the same certificate, PEM
 */
export class PkiRoutes {
  private readonly logger = new Logger('PkiRoutes');
  private readonly prefix: string;

  constructor(
    baseUrl: string,
    private readonly ledger: CertificateLedger,
    private readonly crls: CrlPublisher,
    private readonly ocsp: OcspResponder,
  ) {
    this.prefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  }

  /** Answers the request if it is one of these routes; false leaves it to Nest. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url ?? '/';
    if (!url.startsWith(`${this.prefix}/`)) return false;
    const path = url.slice(this.prefix.length).split('?')[0];
    if (path === '/ocsp' || path === '/ocsp/') {
      if (request.method !== 'POST') return this.methodNotAllowed(response, 'POST');
      this.readBody(request, response, (body) => this.replyOcsp(response, this.ocsp.answer(body), false));
      return true;
    }
    if (path.startsWith('/ocsp/')) {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return this.methodNotAllowed(response, 'GET');
      this.replyOcsp(response, this.ocsp.answer(decodeGetRequest(path.slice('/ocsp/'.length))), true);
      return true;
    }
    const crl = /^\/crl\/([^/]+)\.crl$/.exec(path);
    const ca = /^\/ca\/([^/]+)\.(crt|pem)$/.exec(path);
    if (!crl && !ca) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') return this.methodNotAllowed(response, 'GET');
    if (crl) void this.replyCrl(request, response, crl[1].toLowerCase());
    else this.replyAuthority(request, response, ca![1].toLowerCase(), ca![2] as 'crt' | 'pem');
    return true;
  }

  private readBody(request: IncomingMessage, response: ServerResponse, then: (body: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_OCSP_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () =>
      tooLarge
        ? this.send(response, 200, OCSP_HEADERS, ocspErrorResponse('malformedRequest'))
        : then(Buffer.concat(chunks)),
    );
    request.on('error', () => response.destroy());
  }

  private replyOcsp(response: ServerResponse, answering: Promise<OcspAnswer>, cacheable: boolean): void {
    answering.then(
      (answer) => {
        const headers: Record<string, string> = { ...OCSP_HEADERS };
        if (cacheable && answer.cache) {
          const { producedAt, nextUpdate, etag } = answer.cache;
          const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - Date.now()) / 1000));
          headers['cache-control'] = `max-age=${maxAge}, public, no-transform, must-revalidate`;
          headers['last-modified'] = producedAt.toUTCString();
          headers.expires = nextUpdate.toUTCString();
          headers.etag = etag;
        }
        this.send(response, 200, headers, answer.body);
      },
      (error: unknown) => {
        this.logger.error({ message: 'OCSP answer failed', error: describeError(error) });
        this.send(response, 200, OCSP_HEADERS, ocspErrorResponse('internalError'));
      },
    );
  }

  private async replyCrl(request: IncomingMessage, response: ServerResponse, caId: string): Promise<void> {
    try {
      if (!isUuid(caId)) return this.notFound(response);
      const crl = this.crls.crl(caId);
      if (!crl) {
        if (this.ledger.authorities.has(caId) || !this.crls.isCaughtUp())
          return this.send(response, 503, { ...TEXT, 'retry-after': '1' }, Buffer.from('no CRL yet\n'));
        return this.notFound(response);
      }
      const etag = `"${caId}-${crl.crlNumber}"`;
      const headers = {
        'content-type': 'application/pkix-crl',
        'last-modified': crl.thisUpdate.toUTCString(),
        expires: crl.nextUpdate.toUTCString(),
        // Relying parties keep a CRL until its nextUpdate anyway; caches in between revalidate each minute.
        'cache-control': 'public, no-transform, max-age=60',
        etag,
      };
      if (request.headers['if-none-match'] === etag)
        return this.send(response, 304, headers, Buffer.alloc(0));
      this.send(response, 200, headers, request.method === 'HEAD' ? undefined : crl.der, crl.der.length);
    } catch (error) {
      this.logger.error({ message: 'serving a CRL failed', caId, error: describeError(error) });
      this.send(response, 503, { ...TEXT, 'retry-after': '5' }, Buffer.from('CRL unavailable\n'));
    }
  }

  private replyAuthority(
    request: IncomingMessage,
    response: ServerResponse,
    caId: string,
    form: 'crt' | 'pem',
  ): void {
    const authority = this.ledger.authorities.get(caId)?.authority;
    const certificate = authority && authorityCertificate(authority);
    if (!certificate) return void this.notFound(response);
    const body = form === 'crt' ? certificate.der : Buffer.from(certificate.pem);
    const headers = {
      'content-type': form === 'crt' ? 'application/pkix-cert' : 'application/x-pem-file',
      'cache-control': 'public, max-age=3600',
    };
    this.send(response, 200, headers, request.method === 'HEAD' ? undefined : body, body.length);
  }

  private methodNotAllowed(response: ServerResponse, allow: string): true {
    this.send(response, 405, { ...TEXT, allow }, Buffer.from('method not allowed\n'));
    return true;
  }

  private notFound(response: ServerResponse): void {
    this.send(response, 404, TEXT, Buffer.from('not found\n'));
  }

  private send(
    response: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | undefined,
    length = body?.length ?? 0,
  ): void {
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, { ...headers, 'content-length': String(length) });
    response.end(body);
  }
}

const OCSP_HEADERS = { 'content-type': 'application/ocsp-response' };
const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

/** The request of a GET: URL-encoded base64 (RFC 5019 §5); base64url and unencoded slashes are taken too. */
function decodeGetRequest(encoded: string): Buffer {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return Buffer.alloc(0); // not URL-encoding: parsed as nothing, answered malformedRequest
  }
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return Buffer.alloc(0);
  return Buffer.from(base64, 'base64');
}
