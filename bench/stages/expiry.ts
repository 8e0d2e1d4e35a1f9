/**
 * The lifecycle process with 100,000 certificates falling due at once: imported certificates (as
 * RegisterCertificate writes them) appended straight to a scratch log, all past notAfter, then a command
 * API started on it with EXPIRY_CHECK_SECONDS=1. Reported: start → first mark (the process folds the whole
 * log into its ledger first) and certificates marked expired per second (first → last mark), while it also
 * makes a certificate_expired notification for each.
 *
 * Its raw baseline, from the same run: rows inserted per second 500 to a transaction (the PostgreSQL
 * baselines) — what marking is at least, one event per certificate.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createEventStore } from '@certm3/event-store';
import { importedCertificateAppend } from '../../test/support/imported-certificates';
import { ratio, round } from '../measure';
import { startApp } from '../support/apps';
import { scratchDatabase } from '../support/scratch';

const CERTIFICATES = Number(process.env.BENCH_EXPIRY_CERTIFICATES ?? 100_000);
const DAY = 86_400_000;

export async function expiryAtOnce(batchedInsertRowsPerSecond: number) {
  const db = await scratchDatabase('bench_expiry');
  const store = await createEventStore({ url: db.url });
  const ownerId = randomUUID();
  const notAfter = new Date(Date.now() - 1_000).toISOString();
  const notBefore = new Date(Date.now() - 90 * DAY).toISOString();
  // As a log written by this release would be: its certificates' fingerprints reserved (else the command
  // API's upgrade at start reserves 100,000 of them before it serves, which is not what is measured here).
  await store.appendToStreams([
    {
      streamId: 'system-certificate-fingerprints',
      expectedRevision: 'no_stream',
      events: [
        {
          id: randomUUID(),
          type: 'CertificateFingerprintsReserved',
          data: { certificates: 0, fingerprints: 0 },
          metadata: { eventId: randomUUID(), occurredAt: new Date().toISOString(), schemaVersion: 1 },
        },
      ],
    },
  ]);
  for (let done = 0; done < CERTIFICATES; done += 1_000)
    await store.appendToStreams(
      Array.from({ length: 1_000 }, () => importedCertificateAppend({ ownerId, notBefore, notAfter })),
    );
  await store.close();

  const client = new Client({ connectionString: db.url });
  await client.connect();
  const expired = async () =>
    Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM events WHERE event_type = 'CertificateExpired'`,
        )
      ).rows[0]!.n,
    );
  const started = performance.now();
  await startApp('command-api', {
    EVENT_STORE_URL: db.url,
    NATS_SUBJECT_PREFIX: `bench-expiry-${randomUUID().slice(0, 8)}`,
    EXPIRY_CHECK_SECONDS: '1',
    LIFECYCLE_PROCESS_ENABLED: 'true',
  });
  let firstMarkMs: number | undefined;
  let count = 0;
  for (const deadline = Date.now() + 600_000; count < CERTIFICATES && Date.now() < deadline;) {
    count = await expired();
    if (count > 0 && firstMarkMs === undefined) firstMarkMs = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lastMarkMs = performance.now();
  await client.end();
  if (count < CERTIFICATES)
    throw new Error(`only ${count} of ${CERTIFICATES} certificates were marked expired`);
  const perSecond = round(CERTIFICATES / ((lastMarkMs - firstMarkMs!) / 1000), 0);
  return {
    certificates: CERTIFICATES,
    startToFirstMarkSeconds: round((firstMarkMs! - started) / 1000, 1),
    markedPerSecond: perSecond,
    vsBatchedInsert: ratio(perSecond, batchedInsertRowsPerSecond),
  };
}

export type ExpiryAtOnce = Awaited<ReturnType<typeof expiryAtOnce>>;
