import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { DecryptionFailedError } from '../envelope';
import { DataKeyDestroyedError, KeyStillInUseError, SealedSecret, WrongMasterKeyError } from '../port';
import { PostgresKeyVault } from './postgres-key-vault';

describe('the PostgreSQL key vault', () => {
  let database: ScratchDatabase;
  let vault: PostgresKeyVault;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_vault');
    vault = await PostgresKeyVault.open({ url: database.url, masterKey });
  });
  afterAll(async () => {
    await vault?.close();
    await database?.drop();
  });

  const query = async (text: string) => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };
  const dump = () =>
    execFileSync('pg_dump', ['--data-only', '-d', database.url], { maxBuffer: 1 << 28 }).toString('latin1');

  it('seals a secret that opens only with its own context', async () => {
    const secret = randomBytes(64);
    const sealed = await vault.seal(secret, 'private-key/1');
    expect(Buffer.from(sealed.ciphertext, 'base64').includes(secret)).toBe(false);
    expect((await vault.open(sealed, 'private-key/1')).equals(secret)).toBe(true);
    await expect(vault.open(sealed, 'private-key/2')).rejects.toBeInstanceOf(DecryptionFailedError);
  });

  it('stores neither the master key nor any key in clear', async () => {
    const secret = randomBytes(48);
    await vault.seal(secret, 'x');
    const stored = dump();
    for (const needle of [masterKey, secret])
      for (const encoding of ['hex', 'base64'] as const)
        expect(stored).not.toContain(needle.toString(encoding));
  });

  it('refuses to open under another master key, writing nothing', async () => {
    const before = await query('SELECT count(*)::int AS n FROM key_vault.key_encryption_keys');
    await expect(
      PostgresKeyVault.open({ url: database.url, masterKey: randomBytes(32) }),
    ).rejects.toBeInstanceOf(WrongMasterKeyError);
    expect(await query('SELECT count(*)::int AS n FROM key_vault.key_encryption_keys')).toEqual(before);
  });

  it('destroys one data key: its secret is gone, every other still opens (crypto-shredding)', async () => {
    const kept = await vault.seal(Buffer.from('kept'), 'c');
    const doomed = await vault.seal(Buffer.from('doomed'), 'c');
    await vault.destroyDataKey(doomed.dataKeyId);
    await vault.destroyDataKey(doomed.dataKeyId); // idempotent
    await expect(vault.open(doomed, 'c')).rejects.toBeInstanceOf(DataKeyDestroyedError);
    expect((await vault.open(kept, 'c')).toString()).toBe('kept');
    // A new vault process (no key in memory) cannot open it either: nothing that unwraps it is stored.
    const fresh = await PostgresKeyVault.open({ url: database.url, masterKey });
    try {
      await expect(fresh.open(doomed, 'c')).rejects.toBeInstanceOf(DataKeyDestroyedError);
      expect((await fresh.open(kept, 'c')).toString()).toBe('kept');
    } finally {
      await fresh.close();
    }
    expect(
      await query(
        `SELECT count(*)::int AS n FROM key_vault.data_keys WHERE data_key_id = '${doomed.dataKeyId}'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('rotates under load: new secrets under the new key at once, old ones re-wrapped in batches, the old key retired, then destroyable', async () => {
    const secrets = await Promise.all(
      Array.from({ length: 1_000 }, async (_, index) => ({
        plaintext: `secret ${index}`,
        sealed: await vault.seal(Buffer.from(`secret ${index}`), `k${index}`),
      })),
    );
    const { oldKeyId, newKeyId } = await vault.rotate();
    await expect(vault.destroyKeyEncryptionKey(oldKeyId)).rejects.toBeInstanceOf(KeyStillInUseError);
    // Sealing and opening go on while the batches run.
    const during: { plaintext: string; sealed: SealedSecret }[] = [];
    let remaining = Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const [batch] = await Promise.all([
        vault.rewrapBatch(100),
        (async () => {
          const plaintext = `during ${during.length}`;
          during.push({ plaintext, sealed: await vault.seal(Buffer.from(plaintext), 'd') });
          const sample = secrets[during.length % secrets.length];
          expect((await vault.open(sample.sealed, `k${secrets.indexOf(sample)}`)).toString()).toBe(
            sample.plaintext,
          );
        })(),
      ]);
      remaining = batch.remaining;
    }
    const keys = await vault.keyEncryptionKeys();
    expect(keys.find((key) => key.keyId === oldKeyId)).toMatchObject({ status: 'retired', dataKeys: 0 });
    expect(keys.find((key) => key.keyId === newKeyId)).toMatchObject({ status: 'active', current: true });
    await vault.destroyKeyEncryptionKey(oldKeyId);
    const fresh = await PostgresKeyVault.open({ url: database.url, masterKey });
    try {
      for (const [index, { plaintext, sealed }] of secrets.entries())
        expect((await fresh.open(sealed, `k${index}`)).toString()).toBe(plaintext);
      for (const { plaintext, sealed } of during)
        expect((await fresh.open(sealed, 'd')).toString()).toBe(plaintext);
    } finally {
      await fresh.close();
    }
  });

  it('resumes a rotation whose batch was killed half-way, losing nothing', async () => {
    const secrets = await Promise.all(
      Array.from({ length: 3_000 }, (_, index) => vault.seal(Buffer.from(`s${index}`), 'r')),
    );
    await vault.rotate();
    const batch = vault.rewrapBatch(3_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The vault's connections die mid-transaction, as they would with the process.
    await query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    await batch.catch(() => undefined);
    const resumed = await PostgresKeyVault.open({ url: database.url, masterKey });
    try {
      let remaining = Number.POSITIVE_INFINITY;
      while (remaining > 0) remaining = (await resumed.rewrapBatch(500)).remaining;
      for (const [index, sealed] of secrets.entries())
        expect((await resumed.open(sealed, 'r')).toString()).toBe(`s${index}`);
    } finally {
      await resumed.close();
    }
  });
});
