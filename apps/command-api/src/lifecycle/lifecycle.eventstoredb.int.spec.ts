import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { CommandReply } from '@certm3/contracts';
import { collect, createEventStore, EventStore } from '@certm3/event-store';
import { EsdbEmulator } from '@certm3/event-store/testing/esdb-emulator/esdb-emulator';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { CommandClient } from '@certm3/test-support/command-client';
import { eventually } from '@certm3/test-support/eventually';
import { startCommandApiInProcess } from '../testing/in-process-command-api';

const DAY = 86_400_000;

const ok = (reply: CommandReply) => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as { id: string };
};

/**
 * The lifecycle process on the EventStoreDB adapter, through the real client against the protocol emulator
 * (no real EventStoreDB runs on these machines): it follows the log, marks an imported certificate within
 * 30 days of notAfter, notifies its owner, and after a restart repeats neither.
 */
describe('the lifecycle process on the EventStoreDB adapter (against the gRPC emulator)', () => {
  const emulator = new EsdbEmulator();
  let app: INestApplication | undefined;
  let client: CommandClient;
  let store: EventStore;
  const prefix = `certm3-lifecycle-esdb-${randomUUID().slice(0, 8)}`;

  const start = async () => {
    app = await startCommandApiInProcess({
      EVENT_STORE_URL: emulator.url,
      NATS_SUBJECT_PREFIX: prefix,
      LIFECYCLE_PROCESS_ENABLED: 'true',
      EXPIRY_CHECK_SECONDS: '1',
    });
  };
  const count = async (type: string, certificateId: string) =>
    (await collect(store.readAll())).filter(
      (event) =>
        event.type === type &&
        ((event.data as { certificateId?: string; resourceId?: string }).certificateId === certificateId ||
          (event.data as { resourceId?: string }).resourceId === certificateId),
    ).length;

  beforeAll(async () => {
    await emulator.start();
    await start();
    client = await CommandClient.connect(prefix);
    store = await createEventStore({ url: emulator.url });
    client.defaultActorId = ok(
      await client.reply(
        'BootstrapAdministrator',
        { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
        { actorId: null },
      ),
    ).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await client?.close();
    await store?.close();
    await emulator.stop();
  });

  it('marks and notifies once, across a restart', async () => {
    const certificateData = await createTestCertificate({ notAfter: new Date(Date.now() + 10 * DAY) });
    const certificateId = ok(
      await client.reply('RegisterCertificate', { userId: client.defaultActorId, certificateData }),
    ).id;
    await eventually('the expiring mark and its notification', async () =>
      (await count('CertificateExpiring', certificateId)) === 1 &&
      (await count('NotificationCreated', certificateId)) === 1
        ? true
        : undefined,
    );
    await app!.close();
    await start();
    ok(await client.reply('RevokeCertificate', { certificateId, reason: 'superseded' }));
    await eventually('the revocation’s notification', async () =>
      (await count('NotificationCreated', certificateId)) === 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await count('CertificateExpiring', certificateId)).toBe(1);
    expect(await count('NotificationCreated', certificateId)).toBe(2);
  }, 90_000);
});
