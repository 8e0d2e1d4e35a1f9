import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { collect, createEventStore, EventStore } from '@certm3/event-store';
import { importedCertificateAppend } from '@certm3/test-support/imported-certificates';
import { AppProcess } from '@certm3/test-support/app-process';
import { eventually } from '@certm3/test-support/eventually';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

const DAY = 86_400_000;
const CERTIFICATES = 3_000;

/** Certificates imported into the log, all within 30 days of notAfter. */
function importedCertificates(count: number, ownerId: string) {
  const notAfter = new Date(Date.now() + 10 * DAY).toISOString();
  const notBefore = new Date(Date.now() - 80 * DAY).toISOString();
  return Array.from({ length: count }, () => importedCertificateAppend({ ownerId, notBefore, notAfter }));
}

/**
 * Regression: a lifecycle process killed (SIGKILL) while it marks thousands of certificates that fell due at
 * once, then started again, records every mark once and makes every notification once.
 */
describe('the lifecycle process killed half-way', () => {
  let database: ScratchDatabase;
  let store: EventStore;
  let api: AppProcess | undefined;
  const prefix = `certm3-lifecycle-crash-${randomUUID().slice(0, 8)}`;
  const ownerId = randomUUID();

  const start = async () => {
    api = AppProcess.start('command-api', {
      EVENT_STORE_URL: database.url,
      NATS_SUBJECT_PREFIX: prefix,
      EXPIRY_CHECK_SECONDS: '1',
    });
    await api.started();
  };

  const countOf = async (type: string) =>
    (await collect(store.readAll())).filter((event) => event.type === type).length;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_lifecycle_crash');
    store = await createEventStore({ url: database.url });
    // The process's first run takes what is in the log as history; these are due the moment it looks.
    await start();
    const appends = importedCertificates(CERTIFICATES, ownerId);
    for (let start = 0; start < appends.length; start += 500)
      await store.appendToStreams(appends.slice(start, start + 500));
  }, 60_000);

  afterAll(async () => {
    await api?.kill();
    await store?.close();
    await database?.drop();
  });

  it('neither loses nor repeats a mark or a notification', async () => {
    // Kill it the moment it has started marking, before it can have finished.
    await eventually(
      'the first marks',
      async () => {
        for await (const event of store.readAll({ direction: 'backwards', from: 'end', maxCount: 20 }))
          if (event.type === 'CertificateExpiring') return true;
        return undefined;
      },
      { everyMs: 20 },
    );
    api!.signal('SIGKILL');
    await api!.exited;
    const markedBeforeTheKill = await countOf('CertificateExpiring');
    expect(markedBeforeTheKill).toBeLessThan(CERTIFICATES);

    await start();
    await eventually('every mark and notification', async () =>
      (await countOf('CertificateExpiring')) >= CERTIFICATES &&
      (await countOf('NotificationCreated')) >= CERTIFICATES
        ? true
        : undefined,
    );
    // A few more rounds of the process: nothing more comes.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const events = await collect(store.readAll());
    const marks = events.filter((event) => event.type === 'CertificateExpiring');
    expect(marks).toHaveLength(CERTIFICATES);
    expect(new Set(marks.map((event) => event.streamId)).size).toBe(CERTIFICATES);
    const notifications = events
      .filter((event) => event.type === 'NotificationCreated')
      .map((event) => event.data as { resourceId: string; notificationType: string; userId: string });
    expect(notifications).toHaveLength(CERTIFICATES);
    expect(new Set(notifications.map((n) => n.resourceId)).size).toBe(CERTIFICATES);
    expect(
      notifications.every((n) => n.notificationType === 'certificate_expiring' && n.userId === ownerId),
    ).toBe(true);
  }, 240_000);
});
