import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { streamIds, SYSTEM_ACTOR_ID } from '@certm3/domain';
import { eventIdFor } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { certm3Model, clmCoreModel, clmSecureModel, READ_MODELS } from './read-models';
import { caughtUp, ProjectorTestStack, withClient } from './testing/projector-test-stack';

/**
 * The read side of #15 against the write side as it runs: holds put on and lifted, a hold ended by a
 * keyCompromise that blocks the key, a refused release — and a notification as the command API's process
 * records it (appended here, by the system actor). What certm3, clm_secure and clm_core show of it, and
 * each model rebuilt from the first event row for row identical and verified.
 */
describe('certm3, clm_secure and clm_core from revocations, holds and notifications', () => {
  let stack: ProjectorTestStack;
  const ids: Record<string, string> = {};
  const notificationId = randomUUID();

  const rows = (model: (typeof READ_MODELS)[number], text: string, params: unknown[] = []) =>
    withClient(
      stack.databaseOf(model).url,
      async (client: Client) => (await client.query(text, params)).rows,
    );

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    ids.owner = (
      await stack.command('RegisterUser', {
        username: 'holder',
        email: 'holder@example.com',
        password: 'a long enough password',
      })
    ).id;
    for (const name of ['held', 'compromised', 'kept'])
      ids[name] = (
        await stack.command('RegisterCertificate', {
          userId: ids.owner,
          certificateData: await createTestCertificate({ commonName: `${name}.example.com` }),
        })
      ).id;
    const hold = (certificateId: string, extra: object = {}) =>
      stack.command('RevokeCertificate', { certificateId, reason: 'certificateHold', ...extra });
    await hold(ids.held, { comment: 'under review', invalidityDate: '2026-01-01T00:00:00.000Z' });
    await stack.command('ReleaseCertificateHold', { certificateId: ids.held });
    await hold(ids.held);
    await hold(ids.compromised);
    await stack.command('RevokeCertificate', {
      certificateId: ids.compromised,
      reason: 'keyCompromise',
      invalidityDate: '2026-01-02T00:00:00.000Z',
    });
    const refused = await stack.client.reply('ReleaseCertificateHold', { certificateId: ids.kept });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_NOT_SUSPENDED' } });

    // What the notification process records, as the system actor.
    const commandId = randomUUID();
    const now = new Date().toISOString();
    await stack.store.append(
      streamIds.notification(notificationId),
      [
        {
          type: 'NotificationCreated',
          data: {
            notificationId,
            userId: ids.owner,
            notificationType: 'certificate_suspended',
            title: 'Certificate on hold',
            message: 'held.example.com is on hold',
            resourceType: 'certificate',
            resourceId: ids.held,
            causeEventId: randomUUID(),
            createdAt: now,
          },
        },
        {
          type: 'NotificationDeliveryAttempted',
          data: { notificationId, channel: 'nats', status: 'delivered', attempts: 1, attemptedAt: now },
        },
        {
          type: 'NotificationDeliveryAttempted',
          data: {
            notificationId,
            channel: 'webhook',
            status: 'retrying',
            attempts: 1,
            error: 'HTTP 503',
            nextAttemptAt: new Date(Date.now() + 60_000).toISOString(),
            attemptedAt: now,
          },
        },
      ].map((event, index) => ({
        type: event.type,
        data: event.data as never,
        id: eventIdFor(commandId, index),
        metadata: { commandId, actorId: SYSTEM_ACTOR_ID, occurredAt: now, schemaVersion: 1 },
      })),
      { expectedRevision: 'no_stream' },
    );
    for (const model of READ_MODELS) stack.runner({ model }).start();
    for (const runner of stack.runners) await caughtUp(runner, stack.store);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('shows in certm3 a hold as suspended with certificateHold, a revocation as revoked', async () => {
    expect(
      await rows(
        certm3Model,
        `SELECT id, status, revocation_reason, revoked_by FROM certificates WHERE id = ANY($1) ORDER BY created_at`,
        [[ids.held, ids.compromised, ids.kept]],
      ),
    ).toEqual([
      { id: ids.held, status: 'suspended', revocation_reason: 'certificateHold', revoked_by: stack.adminId },
      {
        id: ids.compromised,
        status: 'revoked',
        revocation_reason: 'keyCompromise',
        revoked_by: stack.adminId,
      },
      { id: ids.kept, status: 'active', revocation_reason: null, revoked_by: null },
    ]);
  });

  it('lists every revocation and hold in clm_secure, the released one closed, and records each step', async () => {
    expect(
      await rows(
        clmSecureModel,
        `SELECT certificate_id, revocation_reason, crl_reason_code, comment, invalidity_date IS NOT NULL AS invalidity,
                released_by, revoked_by
           FROM certificate_revocations ORDER BY created_at`,
      ),
    ).toEqual([
      {
        certificate_id: ids.held,
        revocation_reason: 'certificateHold',
        crl_reason_code: 6,
        comment: 'under review',
        invalidity: true,
        released_by: stack.adminId,
        revoked_by: stack.adminId,
      },
      expect.objectContaining({
        certificate_id: ids.held,
        revocation_reason: 'certificateHold',
        released_by: null,
      }),
      expect.objectContaining({ certificate_id: ids.compromised, revocation_reason: 'certificateHold' }),
      expect.objectContaining({
        certificate_id: ids.compromised,
        revocation_reason: 'keyCompromise',
        invalidity: true,
      }),
    ]);
    expect(
      await rows(
        clmSecureModel,
        `SELECT id, status, revocation_reason FROM certificates WHERE id = ANY($1) ORDER BY created_at`,
        [[ids.held, ids.compromised, ids.kept]],
      ),
    ).toEqual([
      { id: ids.held, status: 'suspended', revocation_reason: 'certificateHold' },
      { id: ids.compromised, status: 'revoked', revocation_reason: 'keyCompromise' },
      { id: ids.kept, status: 'active', revocation_reason: null },
    ]);
    expect(
      await rows(
        clmSecureModel,
        `SELECT action, resource_id FROM secure_audit_log
          WHERE resource_type = 'certificate' AND action <> 'import' ORDER BY event_timestamp, action`,
      ),
    ).toEqual([
      { action: 'suspend', resource_id: ids.held },
      { action: 'release', resource_id: ids.held },
      { action: 'suspend', resource_id: ids.held },
      { action: 'suspend', resource_id: ids.compromised },
      // The revocation and the blocked key are one command's events.
      { action: 'block_key', resource_id: ids.compromised },
      { action: 'revoke', resource_id: ids.compromised },
    ]);
  });

  it('keeps the notification in clm_core with its delivery per channel, and audits the steps and the refusal', async () => {
    expect(
      await rows(
        clmCoreModel,
        `SELECT user_id, notification_type, is_read, nats_status, webhook_status, webhook_attempts, webhook_last_error
           FROM notifications WHERE id = $1`,
        [notificationId],
      ),
    ).toEqual([
      {
        user_id: ids.owner,
        notification_type: 'certificate_suspended',
        is_read: false,
        nats_status: 'delivered',
        webhook_status: 'retrying',
        webhook_attempts: 1,
        webhook_last_error: 'HTTP 503',
      },
    ]);
    expect(
      await rows(
        clmCoreModel,
        `SELECT event_type, outcome, error_code FROM audit_log
          WHERE resource_id = ANY($1) AND event_type <> 'CertificateRegistered' ORDER BY event_timestamp, event_type`,
        [[ids.held, ids.compromised, ids.kept]],
      ),
    ).toEqual(
      expect.arrayContaining([
        { event_type: 'CertificateHoldReleased', outcome: 'accepted', error_code: null },
        { event_type: 'PublicKeyBlocked', outcome: 'accepted', error_code: null },
        { event_type: 'CommandRejected', outcome: 'refused', error_code: 'CERTIFICATE_NOT_SUSPENDED' },
      ]),
    );
  });

  it.each(READ_MODELS.map((model) => [model.name, model] as const))(
    'rebuilds %s from the first event row for row identical, and verify finds no difference',
    async (_, model) => {
      const report = await stack.rebuild({}, model);
      expect(report.tables.filter((table) => table.deleted + table.updated + table.inserted > 0)).toEqual([]);
      expect((await stack.verify(model)).differences).toEqual([]);
    },
  );
});
