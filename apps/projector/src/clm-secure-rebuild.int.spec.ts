import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { streamIds, SYSTEM_ACTOR_ID } from '@certm3/domain';
import { PostgresEventStore, serializePosition } from '@certm3/event-store';
import { prepareReadModel, ReadModelRunner, rebuildReadModel, verifyReadModel } from '@certm3/projection';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { clmSecureModel } from './read-models';
import {
  intermediateActivated,
  intermediatePrepared,
  LEAF,
  leafIssued,
  NOT_YET_VALID,
  registered,
  rootCreated,
  sealed,
  spkiFingerprint,
} from './read-models/clm-secure/projections/spec-events.fixture';
import { revocationIdOf } from './read-models/clm-secure/projections/certificate-revocations.projection';

/**
 * clm_secure rebuilt from the first event and verified row for row against what the live projector wrote,
 * on a log of every event type it handles (appended as the write side appends them, stream by stream); a
 * verify report names a tampered sealed key only by its digest, also as the operator's command prints it.
 */
describe('rebuild and verify of clm_secure', () => {
  let events: ScratchDatabase;
  let secure: ScratchDatabase;
  let store: PostgresEventStore;
  let runner: ReadModelRunner;
  let client: Client;
  const admin = randomUUID();
  const owner = randomUUID();
  const [rootId, intermediateId, issuedId, destroyedId, importedId, laterId, successorId] = Array.from(
    { length: 7 },
    () => randomUUID(),
  );
  const [rootKey, intermediateKey, issuedKey, destroyedKey] = Array.from({ length: 4 }, () => randomUUID());
  const [oldKek, newKek, rotationId, requestId, policyId] = Array.from({ length: 5 }, () => randomUUID());
  const revisions = new Map<string, bigint>();
  let last = '';
  let minute = 0;

  const eventIds: Record<string, string> = {};
  /** Appends as the write side does; `schemaVersion` 1 unless the event is of a later schema. */
  const append = async (
    streamId: string,
    event: { type: string; data: object },
    actorId = admin,
    schemaVersion = 1,
  ) => {
    const revision = revisions.get(streamId);
    const commandId = randomUUID();
    const occurredAt = new Date(Date.UTC(2026, 10, 29, 3, minute++)).toISOString();
    const id = randomUUID();
    eventIds[`${event.type}/${(event.data as { certificateId?: string }).certificateId}`] = id;
    const result = await store.append(
      streamId,
      [
        {
          id,
          type: event.type,
          data: event.data as never,
          metadata: { commandId, actorId, occurredAt, schemaVersion },
        },
      ],
      { expectedRevision: revision === undefined ? 'no_stream' : revision },
    );
    revisions.set(streamId, result.nextRevision);
    last = serializePosition(result.position);
  };
  const query = async (text: string, params: unknown[] = []) => (await client.query(text, params)).rows;
  const snapshot = async () =>
    Object.fromEntries(
      await Promise.all(
        clmSecureModel.tables.map(async (table) => [
          table.name,
          await query(`SELECT * FROM ${table.name} ORDER BY ${table.primaryKey.join(', ')}`),
        ]),
      ),
    );
  const applied = async () => (await query(`SELECT clm_secure.has_applied($1) AS done`, [last]))[0].done;
  const changes = (report: Awaited<ReturnType<typeof rebuildReadModel>>) =>
    report.tables.filter((table) => table.deleted + table.updated + table.inserted > 0);

  beforeAll(async () => {
    events = await createScratchDatabase('clm_secure_rebuild_events');
    secure = await createScratchDatabase('clm_secure_rebuild_read');
    store = await PostgresEventStore.connect({ url: events.url, poolSize: 3 });
    client = new Client({ connectionString: secure.url });
    await client.connect();
    await prepareReadModel(client, clmSecureModel);

    const kek = (keyId: string) => streamIds.encryptionKey(keyId);
    const created = (keyId: string) => ({
      type: 'EncryptionKeyCreated',
      data: { keyId, keyType: 'key_encryption_key', createdAt: '2026-11-29T02:00:00.000Z' },
    });
    await append(kek(oldKek), created(oldKek), SYSTEM_ACTOR_ID);
    await append(streamIds.certificateAuthority(rootId), rootCreated(rootId, rootKey, oldKek));
    await append(
      streamIds.certificateAuthority(intermediateId),
      intermediatePrepared(intermediateId, intermediateKey, null),
    );
    await append(streamIds.certificateAuthority(intermediateId), intermediateActivated(intermediateId));
    const issuance = { requestId, caId: rootId, userId: owner, policyId };
    await append(streamIds.certificateRequest(requestId), {
      type: 'CertificateRequestSubmitted',
      data: {
        ...issuance,
        organizationId: null,
        requestedBy: admin,
        ownerUserId: owner,
        keySource: 'server',
        csrPem: null,
        subject: { commonName: 'www.example.com' },
        subjectAlternativeNames: [{ type: 'DNS', value: 'www.example.com' }],
        keyAlgorithm: 'RSA',
        keySize: 2048,
        notAfter: '2027-11-01T00:00:00.000Z',
        requiresApproval: false,
      },
    });
    await append(
      streamIds.certificate(issuedId),
      leafIssued({ ...issuance, certificateId: issuedId }, { privateKey: sealed(issuedKey, oldKek) }),
    );
    await append(streamIds.certificateRequest(requestId), {
      type: 'CertificateRequestFulfilled',
      data: { requestId, certificateId: issuedId, serialNumber: '3e1c' },
    });
    await append(
      streamIds.certificate(destroyedId),
      leafIssued(
        { ...issuance, requestId: randomUUID(), certificateId: destroyedId },
        { privateKey: sealed(destroyedKey, oldKek), serialNumber: '02' },
      ),
    );
    await append(streamIds.certificate(issuedId), {
      type: 'PrivateKeyExported',
      data: { certificateId: issuedId, format: 'pkcs8-encrypted', exportedBy: owner },
    });
    await append(streamIds.certificate(destroyedId), {
      type: 'PrivateKeyDestroyed',
      data: { certificateId: destroyedId, dataKeyId: destroyedKey },
    });
    await append(streamIds.certificate(importedId), registered(importedId, owner));
    await append(streamIds.certificate(laterId), registered(laterId, owner, NOT_YET_VALID));
    // Schema 1, as the release before #15 wrote it: no revokedAt.
    await append(streamIds.certificate(importedId), {
      type: 'CertificateRevoked',
      data: { certificateId: importedId, reason: 'superseded' },
    });
    // #15: the expiry process marks, a hold comes and goes, the process renews; a hold ends in a
    // keyCompromise, which blocks the key.
    const at = (offset: number) => new Date(Date.UTC(2026, 10, 29, 3, minute + offset)).toISOString();
    const certificate = (id: string) => streamIds.certificate(id);
    await append(
      certificate(issuedId),
      {
        type: 'CertificateExpiring',
        data: {
          certificateId: issuedId,
          notAfter: '2027-11-01T00:00:00.000Z',
          thresholdDays: 30,
          markedAt: at(0),
        },
      },
      SYSTEM_ACTOR_ID,
    );
    await append(certificate(issuedId), {
      type: 'CertificateSuspended',
      data: { certificateId: issuedId, comment: 'review', suspendedAt: at(0) },
    });
    await append(certificate(issuedId), {
      type: 'CertificateHoldReleased',
      data: { certificateId: issuedId, releasedAt: at(0) },
    });
    await append(
      certificate(issuedId),
      {
        type: 'CertificateExpiryReminderDue',
        data: { certificateId: issuedId, notAfter: '2027-11-01T00:00:00.000Z', withinDays: 7, dueAt: at(0) },
      },
      SYSTEM_ACTOR_ID,
    );
    const renewal = leafIssued(
      { ...issuance, requestId: randomUUID(), certificateId: successorId },
      { serialNumber: '03' },
    );
    await append(
      certificate(successorId),
      { ...renewal, data: { ...renewal.data, renewalOf: issuedId } },
      SYSTEM_ACTOR_ID,
    );
    await append(
      certificate(issuedId),
      { type: 'CertificateRenewed', data: { certificateId: issuedId, successorId, renewedAt: at(0) } },
      SYSTEM_ACTOR_ID,
    );
    await append(certificate(destroyedId), {
      type: 'CertificateSuspended',
      data: { certificateId: destroyedId, suspendedAt: at(0) },
    });
    await append(
      certificate(destroyedId),
      {
        type: 'CertificateRevoked',
        data: {
          certificateId: destroyedId,
          reason: 'keyCompromise',
          invalidityDate: '2026-11-28T00:00:00.000Z',
          revokedAt: at(0),
        },
      },
      admin,
      2,
    );
    await append(streamIds.compromisedKey(spkiFingerprint(LEAF)), {
      type: 'PublicKeyBlocked',
      data: { publicKeyFingerprint: spkiFingerprint(LEAF), certificateId: destroyedId, blockedAt: at(0) },
    });
    await append(kek(newKek), created(newKek), SYSTEM_ACTOR_ID);
    await append(streamIds.keyRotation(rotationId), {
      type: 'EncryptionKeyRotationStarted',
      data: { rotationId, oldKeyId: oldKek, newKeyId: newKek, startedAt: '2026-11-29T04:00:00.000Z' },
    });
    await append(
      streamIds.keyRotation(rotationId),
      {
        type: 'EncryptionKeyRotationCompleted',
        data: { rotationId, keysRewrapped: 3, completedAt: '2026-11-29T04:10:00.000Z' },
      },
      SYSTEM_ACTOR_ID,
    );
    await append(
      kek(oldKek),
      { type: 'EncryptionKeyRetired', data: { keyId: oldKek, retiredAt: '2026-11-29T04:10:00.000Z' } },
      SYSTEM_ACTOR_ID,
    );

    // A small batch size: the live rows come from several batches, the rebuilt ones from one.
    runner = new ReadModelRunner({
      model: clmSecureModel,
      store,
      databaseUrl: secure.url,
      batchSize: 4,
      standbyPollMs: 100,
      haltedRetryMs: 60_000,
    });
    runner.start();
    const deadline = Date.now() + 20_000;
    while (!(await applied())) {
      if (Date.now() > deadline)
        throw new Error(`clm_secure did not catch up: ${JSON.stringify(runner.status())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  afterAll(async () => {
    await runner?.stop();
    await client?.end();
    await store?.close();
    await Promise.all([events?.drop(), secure?.drop()]);
  });

  it('projects every table live: keys, certificates, sealed keys, requests, rotations and the secure audit log', async () => {
    expect(
      await query(`SELECT id, status, is_ca, imported, issuer_id FROM certificates ORDER BY created_at, id`),
    ).toEqual([
      { id: rootId, status: 'active', is_ca: true, imported: false, issuer_id: rootId },
      { id: intermediateId, status: 'active', is_ca: true, imported: false, issuer_id: null },
      // Marked expiring, held and released: expiring again.
      { id: issuedId, status: 'expiring', is_ca: false, imported: false, issuer_id: rootId },
      { id: destroyedId, status: 'revoked', is_ca: false, imported: false, issuer_id: rootId },
      { id: importedId, status: 'revoked', is_ca: false, imported: true, issuer_id: null },
      { id: laterId, status: 'pending', is_ca: false, imported: true, issuer_id: null },
      { id: successorId, status: 'active', is_ca: false, imported: false, issuer_id: rootId },
    ]);
    expect(
      await query(
        `SELECT id, revocation_reason, revoked_at IS NOT NULL AS revoked, renewal_of, successor_id FROM certificates
          WHERE id = ANY($1) ORDER BY created_at`,
        [[issuedId, destroyedId, importedId, successorId]],
      ),
    ).toEqual([
      { id: issuedId, revocation_reason: null, revoked: false, renewal_of: null, successor_id: successorId },
      {
        id: destroyedId,
        revocation_reason: 'keyCompromise',
        revoked: true,
        renewal_of: null,
        successor_id: null,
      },
      {
        id: importedId,
        revocation_reason: 'superseded',
        revoked: true,
        renewal_of: null,
        successor_id: null,
      },
      { id: successorId, revocation_reason: null, revoked: false, renewal_of: issuedId, successor_id: null },
    ]);
    // A schema-1 revocation is dated by its event; the hold ended in the keyCompromise stays unreleased.
    const [v1] = await query(
      `SELECT revoked_at, created_at FROM certificate_revocations WHERE certificate_id = $1`,
      [importedId],
    );
    expect(v1.revoked_at).toEqual(v1.created_at);
    expect(
      await query(
        `SELECT id, certificate_id, revocation_reason, crl_reason_code, released_at IS NOT NULL AS released
           FROM certificate_revocations ORDER BY created_at, crl_reason_code`,
      ),
    ).toEqual([
      {
        id: revocationIdOf(eventIds[`CertificateRevoked/${importedId}`]),
        certificate_id: importedId,
        revocation_reason: 'superseded',
        crl_reason_code: 4,
        released: false,
      },
      expect.objectContaining({
        certificate_id: issuedId,
        revocation_reason: 'certificateHold',
        released: true,
      }),
      expect.objectContaining({
        certificate_id: destroyedId,
        revocation_reason: 'certificateHold',
        released: false,
      }),
      expect.objectContaining({
        certificate_id: destroyedId,
        revocation_reason: 'keyCompromise',
        crl_reason_code: 1,
      }),
    ]);
    expect(
      await query(
        `SELECT id, encryption_key_id, encrypted_key_material IS NOT NULL AS sealed FROM private_keys ORDER BY created_at, id`,
      ),
    ).toEqual([
      { id: rootKey, encryption_key_id: newKek, sealed: true },
      { id: intermediateKey, encryption_key_id: newKek, sealed: true },
      { id: issuedKey, encryption_key_id: newKek, sealed: true },
      { id: destroyedKey, encryption_key_id: oldKek, sealed: false },
    ]);
    expect(await query(`SELECT key_id, key_status FROM encryption_keys ORDER BY created_at, key_id`)).toEqual(
      expect.arrayContaining([
        { key_id: oldKek, key_status: 'retired' },
        { key_id: newKek, key_status: 'active' },
      ]),
    );
    expect(await query(`SELECT status, certificate_id FROM certificate_requests`)).toEqual([
      { status: 'issued', certificate_id: issuedId },
    ]);
    expect(await query(`SELECT keys_rewrapped, rotated_by FROM key_rotation_history`)).toEqual([
      { keys_rewrapped: 3, rotated_by: admin },
    ]);
    const [{ n }] = await query(`SELECT count(*)::int AS n FROM secure_audit_log`);
    expect(n).toBe(minute - 3); // every event but the request's two and the reminder
    expect(
      await query(
        `SELECT action FROM secure_audit_log WHERE event_type IN ('CertificateExpiring', 'CertificateSuspended',
                'CertificateHoldReleased', 'CertificateRenewed', 'PublicKeyBlocked') ORDER BY event_timestamp`,
      ),
    ).toEqual(
      ['mark_expiring', 'suspend', 'release', 'renew', 'suspend', 'block_key'].map((action) => ({ action })),
    );
    expect(
      await query(
        `SELECT count(*)::int AS n FROM secure_audit_log WHERE details::text ~ '(AQsealed|BEGIN|ciphertext)'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('rebuilds from the first event row for row identical to the live tables, and verify finds no difference', async () => {
    const before = await snapshot();
    const report = await rebuildReadModel({ client, model: clmSecureModel, store });
    expect(report.checkpoint).toBe(last);
    expect(changes(report)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    const verified = await verifyReadModel({ client, model: clmSecureModel, store });
    expect(verified.differences).toEqual([]);
    expect(verified.tables.map((table) => table.table)).toEqual(clmSecureModel.tables.map((t) => t.name));
  });

  it('reports a tampered sealed key by its digest only, and a rebuild puts the event’s ciphertext back', async () => {
    const original = sealed(issuedKey).ciphertext;
    const tampered = 'AQtamperedciphertextnobodymayread==';
    await query(`UPDATE private_keys SET encrypted_key_material = $1 WHERE id = $2`, [tampered, issuedKey]);
    const digest = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex')}`;

    const report = await verifyReadModel({ client, model: clmSecureModel, store });
    expect(report.differences).toEqual([
      expect.objectContaining({ table: 'private_keys', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    const samples = report.differences[0].samples;
    expect(samples.map((sample) => [sample.side, sample.row.encrypted_key_material])).toEqual([
      ['live', digest(tampered)],
      ['rebuilt', digest(original)],
    ]);
    expect(JSON.stringify(report)).not.toMatch(/AQtampered|AQsealed/);

    // The operator's command prints the same report: no ciphertext on its output either.
    const cli = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'operations/operator-cli.ts'), 'verify', 'clm_secure'],
      {
        cwd: join(__dirname, '../../..'),
        env: {
          PATH: process.env.PATH ?? '',
          EVENT_STORE_URL: events.url,
          CLM_SECURE_DATABASE_URL: secure.url,
        },
      },
    ).then(
      () => {
        throw new Error('verify exited 0 on a tampered table');
      },
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(cli.code).toBe(1);
    expect(`${cli.stdout}${cli.stderr}`).not.toMatch(/AQtampered|AQsealed/);
    expect(JSON.parse(cli.stdout).clm_secure.differences[0].samples[0].row.encrypted_key_material).toBe(
      digest(tampered),
    );

    const rebuilt = await rebuildReadModel({ client, model: clmSecureModel, store });
    expect(changes(rebuilt)).toEqual([{ table: 'private_keys', deleted: 0, updated: 1, inserted: 0 }]);
    expect(await query(`SELECT encrypted_key_material FROM private_keys WHERE id = $1`, [issuedKey])).toEqual(
      [{ encrypted_key_material: original }],
    );
    expect((await verifyReadModel({ client, model: clmSecureModel, store })).differences).toEqual([]);
  });
});
