/**
 * The public PKI read side (pki-http) under a CA with 100,000 revoked certificates: a command API (with a
 * key vault of its own) creates a P-256 authority and issues real certificates for the latency samples; the
 * 100,000 revocations are appended straight to the event store (in batches of streams) as synthetic
 * CertificateIssued and CertificateRevoked pairs (schema 1: the revocation dated by its occurredAt), as 100,000 commands would
 * take minutes. Then pki-http starts on that log and:
 *
 * - CRL generation: what pki-http reports for its CRL of 100,000 entries (writing and signing; recording it
 *   with its number in the pki database), and the same writing and signing in this process alone (libs/pki,
 *   entries encoded beforehand as pki-http keeps them, and encoding them once);
 * - revocation → served CRL: RevokeCertificate's reply to the first GET of the CRL that lists the serial
 *   (polled with If-None-Match, so an unchanged CRL is a 304), p50/p99;
 * - revocation → OCSP `revoked`: the reply to the first OCSP answer (no nonce: the cached kind) that says
 *   revoked, p50/p99;
 * - OCSP answers/s at 64 concurrent requests over 1,000 certificates, without a nonce (served from the
 *   responder's cache) and with one (each signed), beside ECDSA P-256 signatures/s on one core of this run.
 *
 * Everything shares the 2 cores with PostgreSQL, NATS and the load generator (and, on a shared machine,
 * with other work): read the rates as ratios and the CPU per request beside them.
 */
import { generateKeyPairSync, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { PostgresEventStore, StreamAppend } from '@certm3/event-store';
import { encodeCrlEntry, issuerProfile, writeCrl } from '@certm3/pki';
import { createTestCertificate } from '../../test/support/certificates';
import { cpuBetween, percentiles, ratio, readCpu, round, runClosedLoop } from '../measure';
import { scratchKeyVault, startAppOnPort, startCommandApi } from '../support/apps';
import { connectAsAdministrator, Sender } from '../support/commands';
import { log } from '../support/log';
import { cores } from '../support/machine';
import { p256CertificateRequests } from '../support/pki-material';
import { http, ocspRequests, ocspStatus } from '../support/pki-clients';
import { scratchDatabase } from '../support/scratch';
import { event } from '../support/seed-log';
import { SignatureBaselines } from './signature-baselines';

const REVOKED = Number(process.env.BENCH_PKI_REVOKED ?? 100_000);
const LATENCY_SAMPLES = 40;
const OCSP_CERTIFICATES = 1_000;
const OCSP_IN_FLIGHT = 64;
const OCSP_SECONDS = 8;
const POLL_BOUND_MS = 30_000;

/** What the issue asks of the read side (printed beside the figures, never asserted). */
export const PKI_TARGETS = {
  crlGenerationMs: 2_000,
  revocationToCrlMs: 1_000,
  revocationToOcspMs: 1_000,
  ocspPerSecond: 5_000,
};

/**
 * 100,000 certificates of the authority issued and revoked, straight into the log: 250 certificates'
 * streams per multi-stream append (one transaction), 4 appends at a time.
 */
async function appendRevoked(store: PostgresEventStore, caId: string, actorId: string, count: number) {
  const serials: string[] = [];
  const at = new Date().toISOString();
  const notAfter = new Date(Date.now() + 90 * 86_400_000).toISOString();
  const certificate = (): StreamAppend => {
    const certificateId = randomUUID();
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    const serialNumber = serial.toString('hex');
    serials.push(serialNumber);
    const stream = `certificate-${certificateId}`;
    const issued = {
      certificateId,
      requestId: randomUUID(),
      userId: actorId,
      certificateData: '',
      caId,
      policyId: randomUUID(),
      organizationId: null,
      keySource: 'csr',
      privateKey: null,
      serialNumber,
      subject: 'CN=synthetic',
      issuer: 'CN=bench',
      notBefore: at,
      notAfter,
      fingerprintSha256: randomBytes(32).toString('hex'),
    };
    return {
      streamId: stream,
      expectedRevision: 'no_stream',
      events: [
        event(stream, 0, 'CertificateIssued', issued, actorId, at),
        event(stream, 1, 'CertificateRevoked', { certificateId, reason: 'superseded' }, actorId, at),
      ],
    };
  };
  let left = count;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (left > 0) {
        const batch = Math.min(250, left);
        left -= batch;
        await store.appendToStreams(Array.from({ length: batch }, certificate));
      }
    }),
  );
  return serials;
}

/** A metric's value for the authority, from pki-http's /metrics. */
async function metric(port: number, name: string): Promise<number> {
  const text = (await http(port, '/metrics')).body.toString();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** Writing and signing the CRL in this process alone: encoding the entries once, then the CRL (median of 5). */
async function libraryCrl(count: number) {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Any P-256 certificate gives the issuer's name and key identifier; the signature is the key's.
  const certificate = new X509Certificate(await createTestCertificate());
  const issuer = issuerProfile(certificate.raw, keys.privateKey);
  const revocationDate = new Date();
  const serials = Array.from({ length: count }, () => randomBytes(16));
  const encoding = performance.now();
  const entries = serials.map((serialNumber) =>
    encodeCrlEntry({ serialNumber, revocationDate, reasonCode: 4 }),
  );
  const encodeMs = performance.now() - encoding;
  const runs: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 5; run++) {
    const began = performance.now();
    const der = await writeCrl({
      issuer,
      crlNumber: BigInt(run + 1),
      thisUpdate: revocationDate,
      nextUpdate: new Date(Date.now() + 86_400_000),
      entries,
    });
    runs.push(performance.now() - began);
    bytes = der.length;
  }
  runs.sort((a, b) => a - b);
  return { encodeEntriesMs: round(encodeMs, 1), writeAndSignMs: round(runs[2], 1), bytes };
}

async function policyUnder(sender: Sender, caId: string) {
  const policy = await sender.send('CreatePolicy', {
    policyCode: 'bench-pki',
    name: 'bench pki',
    issuerId: caId,
    policyRules: { max_validity_days: 90, allowed_domains: [], allow_subdomains: true },
  });
  await sender.send('ActivatePolicy', { policyId: policy.id });
  return policy.id;
}

export async function pkiReadSide(signatures: SignatureBaselines) {
  const events = await scratchDatabase('bench_pki_events');
  const pkiDatabase = await scratchDatabase('bench_pki');
  const keyVault = await scratchKeyVault('bench_pki_vault');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const commandApi = await startCommandApi(events.url, prefix, keyVault);
  const { nats, sender } = await connectAsAdministrator(prefix);
  const authority = await sender.send('CreateCertificateAuthority', {
    name: 'bench pki',
    subject: { commonName: 'certm3 bench revocation CA', organization: 'certm3' },
    keyAlgorithm: 'ECDSA_P256',
    validityDays: 3650,
  });
  const caId = authority.id;
  const policyId = await policyUnder(sender, caId);
  const samples = p256CertificateRequests(2 * LATENCY_SAMPLES, 'pki');
  const toRevoke: { certificateId: string; serialNumber: string }[] = [];
  for (const csr of samples) {
    const issued = (await sender.send('SubmitCertificateRequest', { policyId, csr })) as unknown as {
      certificateId: string;
      serialNumber: string;
    };
    toRevoke.push(issued);
  }
  log(`pki: appending ${REVOKED} revoked certificates to the log`);
  const store = await PostgresEventStore.connect({ url: events.url, poolSize: 16 });
  const appending = performance.now();
  const revokedSerials = await appendRevoked(store, caId, sender.actorId!, REVOKED);
  const appendSeconds = (performance.now() - appending) / 1000;
  await store.close();

  log('pki: starting pki-http on that log');
  const starting = performance.now();
  const pki = await startAppOnPort(
    'pki-http',
    {
      EVENT_STORE_URL: events.url,
      ...keyVault,
      PKI_DATABASE_URL: pkiDatabase.url,
      NATS_SUBJECT_PREFIX: prefix,
    },
    300_000,
  );
  const healthySeconds = (performance.now() - starting) / 1000;
  const health = JSON.parse((await http(pki.port, '/health')).body.toString()) as {
    checks: { revocation: { catchUpMs: number } };
  };
  const crlAtStart = {
    entries: await metric(pki.port, 'certm3_pki_crl_entries'),
    bytes: await metric(pki.port, 'certm3_pki_crl_bytes'),
    writeAndSignMs: await metric(pki.port, 'certm3_pki_crl_build_ms'),
  };
  const caDer = (await http(pki.port, `/ca/${caId}.crt`)).body;
  const request = ocspRequests(caDer);

  log('pki: revocation → served CRL');
  let etag = '';
  const crlLatencies: number[] = [];
  const crlIssueMs: number[] = [];
  for (const { certificateId, serialNumber } of toRevoke.slice(0, LATENCY_SAMPLES)) {
    const integer = Buffer.concat([Buffer.from([0x02, 0x10]), Buffer.from(serialNumber, 'hex')]);
    await sender.send('RevokeCertificate', { certificateId, reason: 'keyCompromise' });
    const replied = performance.now();
    for (;;) {
      const answer = await http(pki.port, `/crl/${caId}.crl`, {
        headers: etag ? { 'if-none-match': etag } : {},
      });
      if (answer.status === 200) {
        etag = String(answer.headers.etag);
        if (answer.body.includes(integer)) break;
      }
      if (performance.now() - replied > POLL_BOUND_MS) throw new Error('a revocation did not reach the CRL');
    }
    crlLatencies.push(performance.now() - replied);
    crlIssueMs.push(await metric(pki.port, 'certm3_pki_crl_build_ms'));
  }

  log('pki: revocation → OCSP revoked');
  const ocspLatencies: number[] = [];
  for (const { certificateId, serialNumber } of toRevoke.slice(LATENCY_SAMPLES)) {
    const body = request(serialNumber);
    const ask = async () =>
      ocspStatus(
        (
          await http(pki.port, '/ocsp', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/ocsp-request' },
          })
        ).body,
      );
    if ((await ask()) !== 'good') throw new Error('an issued certificate is not good over OCSP');
    await sender.send('RevokeCertificate', { certificateId, reason: 'keyCompromise' });
    const replied = performance.now();
    while ((await ask()) !== 'revoked')
      if (performance.now() - replied > POLL_BOUND_MS) throw new Error('a revocation did not reach OCSP');
    ocspLatencies.push(performance.now() - replied);
  }

  // The command API has done its part; its own background work over the 100,000 certificates (the expiry
  // process reading them) would take cores from what is measured next.
  await nats.close();
  const stopped = new Promise((resolve) => commandApi.once('exit', resolve));
  commandApi.kill('SIGTERM');
  await stopped;

  const cpuGroups = {
    pkiHttp: (pid: number) => pid === pki.child.pid,
    loadGenerator: (pid: number) => pid === process.pid,
    postgres: (_pid: number, name: string) => name === 'postgres',
    natsServer: (_pid: number, name: string) => name === 'nats-server',
    // Other work on the machine (other sessions' tests, when it is shared): it takes cores from the run.
    other: () => true,
  };
  const bodies = revokedSerials.slice(0, OCSP_CERTIFICATES).map((serial) => request(serial));
  const withNonce = (index: number) => request(revokedSerials[index % OCSP_CERTIFICATES], randomBytes(16));
  const throughput = async (name: string, body: (index: number) => Buffer) => {
    log(`pki: OCSP at ${OCSP_IN_FLIGHT} concurrent requests, ${name}`);
    const send = async (index: number) => {
      const answer = await http(pki.port, '/ocsp', {
        method: 'POST',
        body: body(index),
        headers: { 'content-type': 'application/ocsp-request' },
      });
      if (ocspStatus(answer.body) !== 'revoked') throw new Error(`OCSP answered ${ocspStatus(answer.body)}`);
    };
    await runClosedLoop(OCSP_IN_FLIGHT, OCSP_CERTIFICATES, send, 30); // warm-up: every answer cached once
    const before = readCpu(cpuGroups);
    const run = await runClosedLoop(OCSP_IN_FLIGHT, Number.MAX_SAFE_INTEGER, send, OCSP_SECONDS);
    const after = readCpu(cpuGroups);
    const cpu = cpuBetween(before, after, run.operations, cores());
    return {
      ...run,
      ratioToP256Signatures: ratio(run.perSecond, signatures.ecdsaP256.perSecond),
      machineBusy: cpu.machineBusy,
      cpuMsPerRequest: cpu.msPerOperation,
    };
  };
  const cached = await throughput('no nonce (cached answers)', (index) => bodies[index % bodies.length]);
  const signed = await throughput('with a nonce (each signed)', withNonce);

  log('pki: the CRL writer in this process alone');
  const library = await libraryCrl(REVOKED);
  pki.child.kill('SIGTERM');
  return {
    revoked: REVOKED,
    targets: PKI_TARGETS,
    appendSeconds: round(appendSeconds, 1),
    pkiHttpHealthySeconds: round(healthySeconds, 1),
    ledgerCatchUpMs: health.checks.revocation.catchUpMs,
    crlAtStart,
    crlLibrary: library,
    crlAfterEachRevocationWriteAndSignMs: percentiles(crlIssueMs),
    revocationToServedCrl: percentiles(crlLatencies),
    revocationToOcspRevoked: percentiles(ocspLatencies),
    ocspCached: cached,
    ocspWithNonce: signed,
    p256SignaturesPerSecond: signatures.ecdsaP256.perSecond,
  };
}

export type PkiReadSide = Awaited<ReturnType<typeof pkiReadSide>>;
