import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { CommandReply } from '@certm3/contracts';
import { collect, createEventStore, EventStore } from '@certm3/event-store';
import { PostgresKeyVault } from '@certm3/key-vault';
import { AppProcess } from '@certm3/test-support/app-process';
import { CommandClient } from '@certm3/test-support/command-client';
import { TEST_MASTER_KEY } from '@certm3/test-support/key-vault-env';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

type Data = Record<string, unknown> & { id: string };
const ok = (reply: CommandReply): Data => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Data;
};

async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Key rotation as operators run it: the command API as its own process, 1,000 data keys to re-wrap in small
 * batches, issuance and export going on meanwhile, and the process killed (SIGKILL) half-way and started
 * again: it resumes where the vault is, and the log records the rotation once, with every key counted once.
 */
describe('RotateEncryptionKey', () => {
  let database: ScratchDatabase;
  let store: EventStore;
  let vault: PostgresKeyVault;
  let client: CommandClient;
  let api: AppProcess | undefined;
  const prefix = `certm3-rotation-${randomBytes(4).toString('hex')}`;

  const start = async () => {
    api = AppProcess.start('command-api', {
      EVENT_STORE_URL: database.url,
      NATS_SUBJECT_PREFIX: prefix,
      PASSWORD_SCRYPT_LOG2_COST: '10',
      KEY_REWRAP_BATCH_SIZE: '5',
      KEY_ROTATION_POLL_MS: '200',
    });
    await api.started();
    // Listening starts once the start-up work is done (after the HTTP port is up): until then, no responders.
    await eventually(async () => {
      const probe = await CommandClient.connect(prefix);
      try {
        await probe.reply('RotateEncryptionKey', {}, { actorId: null });
        return true;
      } catch {
        return undefined;
      } finally {
        await probe.close();
      }
    });
  };

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_rotation');
    await start();
    client = await CommandClient.connect(prefix);
    store = await createEventStore({ url: database.url });
    vault = await PostgresKeyVault.open({
      url: database.url,
      masterKey: Buffer.from(TEST_MASTER_KEY, 'base64'),
    });
    const admin = ok(
      await client.reply(
        'BootstrapAdministrator',
        { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
        { actorId: null },
      ),
    );
    client.defaultActorId = admin.id;
  }, 60_000);
  afterAll(async () => {
    api?.signal('SIGTERM');
    await api?.exited;
    await client?.close();
    await vault?.close();
    await store?.close();
    await database?.drop();
  });

  it('re-wraps every data key in the background while issuance and export go on, and resumes after a kill', async () => {
    const caId = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'CA',
        subject: { commonName: 'rotation CA' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
    const policyId = ok(
      await client.reply('CreatePolicy', { policyCode: 'any', name: 'Any', issuerId: caId, policyRules: {} }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId }));
    const issue = async (name: string) =>
      String(
        ok(
          await client.reply('SubmitCertificateRequest', {
            policyId,
            subject: { commonName: `${name}.example.com` },
            keyAlgorithm: 'ECDSA_P256',
          }),
        ).certificateId,
      );
    const before = await Promise.all(Array.from({ length: 10 }, (_, index) => issue(`before-${index}`)));
    // 1,000 more data keys, sealed as the service seals: enough for many batches of 5.
    const sealed = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => vault.seal(Buffer.from(`secret ${index}`), `bulk/${index}`)),
    );
    const [oldKey] = (await vault.keyEncryptionKeys()).filter((key) => key.current);

    const rotation = ok(await client.reply('RotateEncryptionKey', {}));
    expect(rotation.oldKeyId).toBe(oldKey.keyId);
    // Issuance and export during the rotation: new keys go under the new key-encryption key at once.
    const during = await Promise.all(Array.from({ length: 10 }, (_, index) => issue(`during-${index}`)));
    for (const certificateId of [...before.slice(0, 3), ...during.slice(0, 3)])
      ok(await client.reply('ExportPrivateKey', { certificateId, passphrase: 'a long passphrase here' }));
    const [newest] = await collect(store.readStream(`certificate-${during[9]}`));
    expect((newest.data.privateKey as { keyEncryptionKeyId: string }).keyEncryptionKeyId).toBe(
      rotation.newKeyId,
    );

    // Killed half-way, started again: the rotation resumes where the vault is.
    await eventually(
      async () => {
        const [progress] = (await vault.rotations()).filter((item) => item.rotationId === rotation.id);
        return progress.rewrapped > 50 ? true : undefined;
      },
      60_000,
      10,
    );
    api!.signal('SIGKILL');
    await api!.exited;
    const [interrupted] = (await vault.rotations()).filter((item) => item.rotationId === rotation.id);
    await start();

    const completed = await eventually(async () => {
      const events = await collect(store.readStream(`key-rotation-${rotation.id}`)).catch(() => []);
      return events.find((event) => event.type === 'EncryptionKeyRotationCompleted');
    });
    expect(interrupted.completedAt).toBeNull();
    // Every data key under the old key counted once, across the kill: 1,000 + the 10 issued before + the CA's.
    expect(completed.data.keysRewrapped).toBe(1000 + 10 + 1);
    const keys = await vault.keyEncryptionKeys();
    expect(keys.find((key) => key.keyId === oldKey.keyId)).toMatchObject({ status: 'retired', dataKeys: 0 });
    const retired = await eventually(async () => {
      const events = await collect(store.readStream(`encryption-key-${oldKey.keyId}`)).catch(() => []);
      return events.some((event) => event.type === 'EncryptionKeyRetired') ? events : undefined;
    });
    expect(retired.map((event) => event.type)).toEqual(['EncryptionKeyCreated', 'EncryptionKeyRetired']);
    // Every secret still opens, and the certificates' keys still export.
    expect((await vault.open(sealed[999], 'bulk/999')).toString()).toBe('secret 999');
    ok(
      await client.reply('ExportPrivateKey', {
        certificateId: before[9],
        passphrase: 'a long passphrase here',
      }),
    );

    // The retired key is destroyed on request; the current one is refused.
    expect(await client.reply('DestroyEncryptionKey', { keyId: String(rotation.newKeyId) })).toMatchObject({
      ok: false,
      error: { code: 'KEY_STILL_IN_USE' },
    });
    ok(await client.reply('DestroyEncryptionKey', { keyId: oldKey.keyId }));
    const destroyed = await collect(store.readStream(`encryption-key-${oldKey.keyId}`));
    expect(destroyed.map((event) => event.type)).toEqual([
      'EncryptionKeyCreated',
      'EncryptionKeyRetired',
      'EncryptionKeyDestroyed',
    ]);
  }, 180_000);
});
