import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { CommandReply } from '@certm3/contracts';
import { collect, createEventStore, EventStore, RecordedEvent } from '@certm3/event-store';
import { CommandClient } from '@certm3/test-support/command-client';
import { eventually } from '@certm3/test-support/eventually';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { startCommandApiInProcess } from '../testing/in-process-command-api';

type Data = Record<string, unknown> & { id: string };
const DAY = 86_400_000;
const WEBHOOK_SECRET = 'lifecycle spec webhook secret, 32+ characters';

const ok = (reply: CommandReply): Data => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Data;
};

/** A webhook receiver as a customer would run one: it checks each delivery's signature. */
class WebhookReceiver {
  readonly deliveries: { id: string; body: Record<string, unknown>; signed: boolean }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
        this.deliveries.push({
          id: String(request.headers['certm3-notification-id']),
          body: JSON.parse(raw) as Record<string, unknown>,
          signed: request.headers['certm3-signature'] === expected,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/certm3`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * The lifecycle process end to end: certificates become expiring and expired by themselves, owners are
 * notified once per cause (rows in the log, NATS, a signed webhook), and an instance days ahead renews what
 * its policy says to renew.
 */
describe('the lifecycle process', () => {
  let database: ScratchDatabase;
  let store: EventStore;
  let app: INestApplication | undefined;
  let client: CommandClient;
  let adminId: string;
  const prefix = `certm3-lifecycle-${randomUUID().slice(0, 8)}`;
  const receiver = new WebhookReceiver();
  const published: Record<string, unknown>[] = [];

  const start = async (clock?: () => number) => {
    app = await startCommandApiInProcess(
      {
        EVENT_STORE_URL: database.url,
        NATS_SUBJECT_PREFIX: prefix,
        LIFECYCLE_PROCESS_ENABLED: 'true',
        EXPIRY_CHECK_SECONDS: '1',
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET,
      },
      ['error'],
      { clock },
    );
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };

  const eventsOf = async (type: string): Promise<RecordedEvent[]> =>
    (await collect(store.readAll())).filter((event) => event.type === type);
  const streamTypes = async (certificateId: string) =>
    (await collect(store.readStream(`certificate-${certificateId}`))).map((event) => event.type);
  const notificationsAbout = async (certificateId: string) =>
    (await eventsOf('NotificationCreated'))
      .map((event) => event.data as { resourceId: string; notificationType: string; notificationId: string })
      .filter((data) => data.resourceId === certificateId);

  let caId: string;
  const policy = async (code: string, rules: Record<string, unknown>) => {
    const id = ok(
      await client.reply('CreatePolicy', {
        policyCode: code,
        name: code,
        issuerId: caId,
        policyRules: rules,
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId: id }));
    return id;
  };
  const issue = async (policyId: string, body: Record<string, unknown>) =>
    ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName: `${randomUUID().slice(0, 8)}.example.com` },
        keyAlgorithm: 'ECDSA_P256',
        ...body,
      }),
    ).certificateId as string;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_lifecycle');
    store = await createEventStore({ url: database.url });
    await receiver.start();
    await start();
    client = await CommandClient.connect(prefix);
    const bootstrap = ok(
      await client.reply(
        'BootstrapAdministrator',
        { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
        { actorId: null },
      ),
    );
    adminId = bootstrap.id;
    client.defaultActorId = adminId;
    const subscription = client.connection.subscribe(`${prefix}.notifications.${adminId}`);
    void (async () => {
      for await (const message of subscription)
        published.push(JSON.parse(Buffer.from(message.data).toString('utf8')) as Record<string, unknown>);
    })();
    caId = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Lifecycle CA',
        subject: { commonName: 'certm3 lifecycle CA' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
  }, 60_000);

  afterAll(async () => {
    await stop();
    await client?.close();
    await store?.close();
    await receiver.stop();
    await database?.drop();
  });

  it('marks a certificate two minutes from notAfter expiring at once, and expired within the bound; the owner hears of each once', async () => {
    const policyId = await policy('short-lived', { auto_renewal: false });
    const notAfter = new Date(Date.now() + 2 * 60_000).toISOString();
    const certificateId = await issue(policyId, { notAfter });

    const expiring = await eventually('CertificateExpiring', async () =>
      (await streamTypes(certificateId)).includes('CertificateExpiring') ? true : undefined,
    );
    expect(expiring).toBe(true);
    // Found within a day of notAfter: the expiring mark is its one notice, no reminder on top.
    expect(await streamTypes(certificateId)).not.toContain('CertificateExpiryReminderDue');

    const expired = await eventually(
      'CertificateExpired',
      async () =>
        (await eventsOf('CertificateExpired')).find((event) => event.streamId.endsWith(certificateId)),
      { timeoutMs: 200_000 },
    );
    const { notAfter: actualNotAfter, expiredAt } = expired.data as { notAfter: string; expiredAt: string };
    // At most EXPIRY_CHECK_SECONDS (1) late; the slack is for a loaded machine, not the process.
    expect(Date.parse(expiredAt) - Date.parse(actualNotAfter)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(expiredAt) - Date.parse(actualNotAfter)).toBeLessThan(6_000);
    expect(expired.metadata.actorId).toBe('00000000-0000-5000-8000-00000000c3a1');

    const kinds = await eventually('three notifications', async () => {
      const made = await notificationsAbout(certificateId);
      return made.length >= 3 ? made.map((n) => n.notificationType).sort() : undefined;
    }).catch(async (error: Error) => {
      // What there was, for the failure to say.
      const made = (await notificationsAbout(certificateId)).map((n) => n.notificationType);
      throw new Error(
        `${error.message}; made: ${JSON.stringify(made)}; stream: ${JSON.stringify(await streamTypes(certificateId))}`,
      );
    });
    expect(kinds).toEqual(['certificate_expired', 'certificate_expiring', 'certificate_issued']);
    const ids = (await notificationsAbout(certificateId)).map((n) => n.notificationId);
    await eventually('webhook and NATS deliveries', async () =>
      ids.every((id) => receiver.deliveries.some((d) => d.id === id)) &&
      ids.every((id) => published.some((p) => p.notificationId === id))
        ? true
        : undefined,
    );
    for (const id of ids) {
      expect(receiver.deliveries.filter((d) => d.id === id)).toHaveLength(1);
      expect(receiver.deliveries.find((d) => d.id === id)!.signed).toBe(true);
      expect(published.filter((p) => p.notificationId === id)).toHaveLength(1);
    }
    // Each delivery is recorded once per channel.
    const attempts = (await eventsOf('NotificationDeliveryAttempted'))
      .map((event) => event.data as { notificationId: string; channel: string; status: string })
      .filter((attempt) => ids.includes(attempt.notificationId));
    expect(attempts.filter((a) => a.channel === 'webhook' && a.status === 'delivered')).toHaveLength(3);
    expect(attempts.filter((a) => a.channel === 'nats' && a.status === 'delivered')).toHaveLength(3);
    // The webhook's secret signs; it is in no event (nor its HMAC of anything but a body).
    const log = JSON.stringify(
      (await collect(store.readAll())).map((event) => ({ data: event.data, metadata: event.metadata })),
    );
    expect(log).not.toContain(WEBHOOK_SECRET);
    expect(log).not.toContain(createHmac('sha256', WEBHOOK_SECRET).update('').digest('hex'));
  }, 240_000);

  it('notifies holds, releases and revocations, and lets only the owner mark a notification read', async () => {
    const policyId = await policy('revocations', {});
    const certificateId = await issue(policyId, {});
    ok(
      await client.reply('RevokeCertificate', {
        certificateId,
        reason: 'certificateHold',
        comment: 'laptop lost',
      }),
    );
    ok(await client.reply('ReleaseCertificateHold', { certificateId }));
    ok(await client.reply('RevokeCertificate', { certificateId, reason: 'keyCompromise' }));
    const kinds = await eventually('four notifications', async () => {
      const made = await notificationsAbout(certificateId);
      return made.length >= 4 ? made.map((n) => n.notificationType).sort() : undefined;
    });
    expect(kinds).toEqual([
      'certificate_issued',
      'certificate_released',
      'certificate_revoked',
      'certificate_suspended',
    ]);

    const [first] = await notificationsAbout(certificateId);
    const someoneElse = ok(
      await client.reply('RegisterUser', {
        username: `reader-${randomUUID().slice(0, 6)}`,
        email: `reader-${randomUUID().slice(0, 6)}@example.com`,
        password: 'another correct horse battery',
      }),
    ).id;
    const foreign = await client.reply(
      'MarkNotificationRead',
      { notificationId: first!.notificationId },
      { actorId: someoneElse },
    );
    expect(foreign.ok === false && foreign.error.code).toBe('NOT_FOUND');
    // Ten at once, and once more: read once.
    const marks = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.reply('MarkNotificationRead', { notificationId: first!.notificationId }),
      ),
    );
    expect(marks.every((reply) => reply.ok)).toBe(true);
    ok(await client.reply('MarkNotificationRead', { notificationId: first!.notificationId }));
    expect(await eventsOf('NotificationRead')).toHaveLength(1);
  }, 60_000);

  it('renews, on an instance days ahead, an expiring server-side key under an auto_renewal policy, once, and revokes it as superseded where the policy says so', async () => {
    const policyId = await policy('auto-renewing', {
      auto_renewal: true,
      renewal_threshold_days: 2,
      max_validity_days: 30,
      revoke_superseded: true,
    });
    const csrPolicyId = await policy('auto-renewing-csr', {
      auto_renewal: true,
      renewal_threshold_days: 2,
      max_validity_days: 30,
    });
    const serverKey = await issue(policyId, { validityDays: 3 });
    const { certificateId: shortLived } = { certificateId: await issue(policyId, { validityDays: 1 }) };
    // A CSR-based certificate under the same kind of policy: its owner is told to renew instead.
    const csrBased = await (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'certm3-lifecycle-'));
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      writeFileSync(join(dir, 'leaf.key'), key);
      const csr = execFileSync('openssl', [
        'req',
        '-new',
        '-key',
        join(dir, 'leaf.key'),
        '-subj',
        '/CN=csr.example.com',
      ]).toString();
      return ok(
        await client.reply('SubmitCertificateRequest', { policyId: csrPolicyId, csr, validityDays: 3 }),
      ).certificateId as string;
    })();

    // Two days later, by this instance's clock: within the threshold of the 3-day certificates.
    await stop();
    await start(() => Date.now() + 2 * DAY);

    const renewed = await eventually('CertificateRenewed', async () =>
      (await eventsOf('CertificateRenewed')).find((event) => event.streamId.endsWith(serverKey)),
    );
    const { successorId } = renewed.data as { successorId: string };
    const successor = (await collect(store.readStream(`certificate-${successorId}`)))[0]!;
    expect(successor.type).toBe('CertificateIssued');
    expect(successor.data).toMatchObject({ renewalOf: serverKey, keySource: 'server', policyId });
    expect(await streamTypes(serverKey)).toEqual([
      'CertificateIssued',
      'CertificateExpiring',
      'CertificateRenewed',
      'CertificateRevoked',
    ]);
    const revoked = (await collect(store.readStream(`certificate-${serverKey}`)))[3]!;
    expect(revoked.data).toMatchObject({ reason: 'superseded' });

    // Give the process a few more rounds: it renews nothing twice.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(
      (await eventsOf('CertificateRenewed')).filter((event) => event.streamId.endsWith(serverKey)),
    ).toHaveLength(1);
    // One day of lifetime is not more than the 2-day threshold: renewing it would renew its successor at once.
    expect(await streamTypes(shortLived)).not.toContain('CertificateRenewed');
    expect(await streamTypes(csrBased)).not.toContain('CertificateRenewed');
    const csrNotice = (await notificationsAbout(csrBased)).find(
      (n) => n.notificationType === 'certificate_expiring',
    );
    const notice = (await eventsOf('NotificationCreated')).find(
      (event) => (event.data as { notificationId: string }).notificationId === csrNotice?.notificationId,
    );
    expect((notice?.data as { message: string }).message).toMatch(/new CSR/);
    const renewalNotice = await eventually('certificate_renewed', async () =>
      (await notificationsAbout(serverKey)).find((n) => n.notificationType === 'certificate_renewed'),
    );
    expect(renewalNotice).toBeDefined();
  }, 120_000);

  it('sends a webhook set up later none of what was made before it (regression: it got every past notification)', async () => {
    await stop();
    app = await startCommandApiInProcess({
      EVENT_STORE_URL: database.url,
      NATS_SUBJECT_PREFIX: prefix,
      LIFECYCLE_PROCESS_ENABLED: 'true',
      EXPIRY_CHECK_SECONDS: '1',
    });
    const policyId = await policy('before-the-webhook', {});
    const before = await issue(policyId, {});
    const made = await eventually(
      'the notification made without a webhook',
      async () => (await notificationsAbout(before))[0],
    );
    await eventually('its NATS delivery', async () =>
      (await eventsOf('NotificationDeliveryAttempted')).some(
        (event) => (event.data as { notificationId: string }).notificationId === made.notificationId,
      )
        ? true
        : undefined,
    );
    await stop();
    await start();
    const later = await issue(policyId, {});
    await eventually('the later one at the webhook', async () =>
      receiver.deliveries.some((delivery) => delivery.body.resourceId === later) ? true : undefined,
    );
    expect(receiver.deliveries.some((delivery) => delivery.id === made.notificationId)).toBe(false);
  }, 60_000);
});
