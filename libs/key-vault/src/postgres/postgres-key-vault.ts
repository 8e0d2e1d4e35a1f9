import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { ensureDatabase } from '@certm3/pg-support';
import { masterKeyCheck, newKey, open, sameCheck, seal, wipe } from '../envelope';
import {
  DataKeyDestroyedError,
  KeyEncryptionKeyInfo,
  KeyStillInUseError,
  KeyVault,
  KeyVaultError,
  Rotation,
  SealedSecret,
  UnknownDataKeyError,
  WrongMasterKeyError,
} from '../port';

/**
 * The vault's own database (KEY_VAULT_DATABASE_URL): not a read model — nothing in it can be rebuilt from
 * the log, which is the point. Wrapped keys only; the master key is never in it.
 */
const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS key_vault;
CREATE TABLE IF NOT EXISTS key_vault.master_key_check (
  id integer PRIMARY KEY CHECK (id = 1),
  check_value bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS key_vault.key_encryption_keys (
  key_id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('active', 'retired', 'destroyed')),
  is_current boolean NOT NULL DEFAULT false,
  wrapped_key bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  destroyed_at timestamptz,
  CHECK ((status = 'destroyed') = (wrapped_key IS NULL)),
  CHECK (NOT is_current OR status = 'active')
);
CREATE UNIQUE INDEX IF NOT EXISTS key_encryption_keys_one_current
  ON key_vault.key_encryption_keys ((true)) WHERE is_current;
CREATE TABLE IF NOT EXISTS key_vault.data_keys (
  data_key_id uuid PRIMARY KEY,
  key_id uuid NOT NULL REFERENCES key_vault.key_encryption_keys (key_id),
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS data_keys_key_id ON key_vault.data_keys (key_id);
CREATE TABLE IF NOT EXISTS key_vault.rotations (
  rotation_id uuid PRIMARY KEY,
  old_key_id uuid NOT NULL REFERENCES key_vault.key_encryption_keys (key_id),
  new_key_id uuid NOT NULL REFERENCES key_vault.key_encryption_keys (key_id),
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  rewrapped integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS key_vault.destroyed_data_keys (
  data_key_id uuid PRIMARY KEY,
  destroyed_at timestamptz NOT NULL DEFAULT now()
);`;

const SCHEMA_LOCK = 0x63657274_6d33_6b76n;
const ROTATION_LOCK = 0x63657274_6d33_726fn;

interface RotationRow {
  rotation_id: string;
  old_key_id: string;
  new_key_id: string;
  started_at: Date;
  completed_at: Date | null;
  rewrapped: number;
}
const ROTATION_COLUMNS =
  'SELECT rotation_id, old_key_id, new_key_id, started_at, completed_at, rewrapped FROM key_vault.rotations';
function rotationOf(row: RotationRow): Rotation {
  return {
    rotationId: row.rotation_id,
    oldKeyId: row.old_key_id,
    newKeyId: row.new_key_id,
    startedAt: row.started_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    rewrapped: row.rewrapped,
  };
}

export interface PostgresKeyVaultOptions {
  readonly url: string;
  readonly masterKey: Buffer;
  readonly poolSize?: number;
}

/** What AES-GCM binds a wrapped key to: which key it is, so two wrapped keys cannot be swapped. */
const kekContext = (keyId: string) => `certm3/kek/${keyId}`;
const dekContext = (dataKeyId: string) => `certm3/dek/${dataKeyId}`;
const secretContext = (dataKeyId: string, context: string) => `certm3/secret/${dataKeyId}/${context}`;

export class PostgresKeyVault implements KeyVault {
  /** Unwrapped key-encryption keys, in this process's memory only. */
  private readonly keks = new Map<string, Buffer>();

  private constructor(
    private readonly pool: Pool,
    private readonly masterKey: Buffer,
  ) {}

  /**
   * Opens the vault, creating its database and tables on first use. A vault that was set up under another
   * master key is refused (WrongMasterKeyError) before anything is written.
   */
  static async open(options: PostgresKeyVaultOptions): Promise<PostgresKeyVault> {
    await ensureDatabase(options.url);
    const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 4 });
    pool.on('error', () => undefined);
    const vault = new PostgresKeyVault(pool, Buffer.from(options.masterKey));
    try {
      await vault.prepare();
    } catch (error) {
      await vault.close();
      throw error;
    }
    return vault;
  }

  private async prepare(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK.toString()]);
      await client.query(SCHEMA);
      const { rows } = await client.query<{ check_value: Buffer }>(
        'SELECT check_value FROM key_vault.master_key_check WHERE id = 1',
      );
      if (rows.length === 0) {
        const { rows: keys } = await client.query('SELECT 1 FROM key_vault.key_encryption_keys LIMIT 1');
        if (keys.length > 0) throw new KeyVaultError('the vault holds keys but no master key check');
        await client.query('INSERT INTO key_vault.master_key_check (id, check_value) VALUES (1, $1)', [
          masterKeyCheck(this.masterKey),
        ]);
      } else if (!sameCheck(rows[0].check_value, this.masterKey)) {
        throw new WrongMasterKeyError(
          'the master key is not the one this vault was set up with: refusing to start (nothing was written)',
        );
      }
      const { rows: current } = await client.query(
        'SELECT 1 FROM key_vault.key_encryption_keys WHERE is_current',
      );
      if (current.length === 0) await this.createCurrentKey(client);
    });
  }

  async seal(plaintext: Uint8Array, context: string): Promise<SealedSecret> {
    const dataKeyId = randomUUID();
    const dataKey = newKey();
    let wrappedBy = '';
    try {
      await this.transaction(async (client) => {
        const { keyId, kek } = await this.currentKey(client);
        wrappedBy = keyId;
        await client.query(
          'INSERT INTO key_vault.data_keys (data_key_id, key_id, wrapped_key) VALUES ($1, $2, $3)',
          [dataKeyId, keyId, seal(kek, dataKey, dekContext(dataKeyId))],
        );
      });
      return {
        dataKeyId,
        ciphertext: seal(dataKey, plaintext, secretContext(dataKeyId, context)).toString('base64'),
        keyEncryptionKeyId: wrappedBy,
      };
    } finally {
      wipe(dataKey);
    }
  }

  async open(sealed: SealedSecret, context: string): Promise<Buffer> {
    const { rows } = await this.pool.query<{ key_id: string; wrapped_key: Buffer }>(
      'SELECT key_id, wrapped_key FROM key_vault.data_keys WHERE data_key_id = $1',
      [sealed.dataKeyId],
    );
    if (rows.length === 0) {
      const destroyed = await this.pool.query(
        'SELECT 1 FROM key_vault.destroyed_data_keys WHERE data_key_id = $1',
        [sealed.dataKeyId],
      );
      if (destroyed.rows.length > 0)
        throw new DataKeyDestroyedError(`data key ${sealed.dataKeyId} was destroyed: the secret is gone`);
      throw new UnknownDataKeyError(`no data key ${sealed.dataKeyId} in this vault`);
    }
    const kek = await this.unwrappedKey(rows[0].key_id);
    const dataKey = open(kek, rows[0].wrapped_key, dekContext(sealed.dataKeyId));
    try {
      return open(
        dataKey,
        Buffer.from(sealed.ciphertext, 'base64'),
        secretContext(sealed.dataKeyId, context),
      );
    } finally {
      wipe(dataKey);
    }
  }

  async destroyDataKey(dataKeyId: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('DELETE FROM key_vault.data_keys WHERE data_key_id = $1', [dataKeyId]);
      await client.query(
        'INSERT INTO key_vault.destroyed_data_keys (data_key_id) VALUES ($1) ON CONFLICT DO NOTHING',
        [dataKeyId],
      );
    });
    // The deleted row's bytes stay in the table's pages until they are vacuumed: make that now.
    await this.pool.query('VACUUM key_vault.data_keys');
  }

  async keyEncryptionKeys(): Promise<KeyEncryptionKeyInfo[]> {
    const { rows } = await this.pool.query<{
      key_id: string;
      status: KeyEncryptionKeyInfo['status'];
      is_current: boolean;
      data_keys: number;
      created_at: Date;
      retired_at: Date | null;
      destroyed_at: Date | null;
    }>(
      `SELECT k.key_id, k.status, k.is_current, k.created_at, k.retired_at, k.destroyed_at,
              (SELECT count(*)::int FROM key_vault.data_keys d WHERE d.key_id = k.key_id) AS data_keys
         FROM key_vault.key_encryption_keys k ORDER BY k.created_at, k.key_id`,
    );
    return rows.map((row) => ({
      keyId: row.key_id,
      status: row.status,
      current: row.is_current,
      dataKeys: row.data_keys,
      createdAt: row.created_at.toISOString(),
      retiredAt: row.retired_at?.toISOString() ?? null,
      destroyedAt: row.destroyed_at?.toISOString() ?? null,
    }));
  }

  async rotate(rotationId: string = randomUUID()): Promise<Rotation> {
    return this.transaction(async (client) => {
      // One rotation at a time: a second one waits here for the first to commit, then rotates from its key.
      await client.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK.toString()]);
      const { rows } = await client.query<{ key_id: string }>(
        'SELECT key_id FROM key_vault.key_encryption_keys WHERE is_current FOR UPDATE',
      );
      // A rotation asked for again (a command decided twice) is the one already made.
      const done = await client.query<RotationRow>(`${ROTATION_COLUMNS} WHERE rotation_id = $1`, [
        rotationId,
      ]);
      if (done.rows.length > 0) return rotationOf(done.rows[0]);
      const oldKeyId = rows[0].key_id;
      await client.query('UPDATE key_vault.key_encryption_keys SET is_current = false WHERE key_id = $1', [
        oldKeyId,
      ]);
      const newKeyId = await this.createCurrentKey(client);
      const { rows: made } = await client.query<RotationRow>(
        `INSERT INTO key_vault.rotations (rotation_id, old_key_id, new_key_id) VALUES ($1, $2, $3)
         RETURNING rotation_id, old_key_id, new_key_id, started_at, completed_at, rewrapped`,
        [rotationId, oldKeyId, newKeyId],
      );
      return rotationOf(made[0]);
    });
  }

  async rotations(): Promise<Rotation[]> {
    const { rows } = await this.pool.query<RotationRow>(
      `${ROTATION_COLUMNS} ORDER BY started_at, rotation_id`,
    );
    return rows.map(rotationOf);
  }

  async rewrapBatch(limit: number): Promise<{ rewrapped: number; remaining: number }> {
    return this.transaction(async (client) => {
      const { keyId: currentId, kek: current } = await this.currentKey(client);
      // SKIP LOCKED: several workers (or instances) re-wrap different keys at once.
      const { rows } = await client.query<{ data_key_id: string; key_id: string; wrapped_key: Buffer }>(
        `SELECT data_key_id, key_id, wrapped_key FROM key_vault.data_keys
          WHERE key_id <> $1 ORDER BY data_key_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [currentId, limit],
      );
      for (const row of rows) {
        const dataKey = open(
          await this.unwrappedKey(row.key_id),
          row.wrapped_key,
          dekContext(row.data_key_id),
        );
        await client.query(
          'UPDATE key_vault.data_keys SET key_id = $1, wrapped_key = $2 WHERE data_key_id = $3',
          [currentId, seal(current, dataKey, dekContext(row.data_key_id)), row.data_key_id],
        );
        wipe(dataKey);
      }
      // An older key that wraps nothing any more is retired; a new data key is never wrapped by it again.
      await client.query(
        `UPDATE key_vault.key_encryption_keys k SET status = 'retired', retired_at = now()
          WHERE k.status = 'active' AND NOT k.is_current
            AND NOT EXISTS (SELECT 1 FROM key_vault.data_keys d WHERE d.key_id = k.key_id)`,
      );
      const { rows: left } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM key_vault.data_keys WHERE key_id <> $1',
        [currentId],
      );
      // Counted in the batch's own transaction, so a worker killed half-way neither loses nor repeats a count.
      if (rows.length > 0)
        await client.query(
          `UPDATE key_vault.rotations SET rewrapped = rewrapped + $1
            WHERE rotation_id = (SELECT rotation_id FROM key_vault.rotations WHERE new_key_id = $2)`,
          [rows.length, currentId],
        );
      if (left[0].n === 0)
        await client.query('UPDATE key_vault.rotations SET completed_at = now() WHERE completed_at IS NULL');
      return { rewrapped: rows.length, remaining: left[0].n };
    });
  }

  async destroyKeyEncryptionKey(keyId: string): Promise<void> {
    await this.transaction(async (client) => {
      const { rows } = await client.query<{ status: string }>(
        'SELECT status FROM key_vault.key_encryption_keys WHERE key_id = $1 FOR UPDATE',
        [keyId],
      );
      if (rows.length === 0) throw new KeyVaultError(`no key-encryption key ${keyId}`);
      if (rows[0].status === 'destroyed') return;
      if (rows[0].status !== 'retired')
        throw new KeyStillInUseError(
          `key-encryption key ${keyId} is ${rows[0].status}: only a retired key is destroyed`,
        );
      await client.query(
        `UPDATE key_vault.key_encryption_keys SET status = 'destroyed', wrapped_key = NULL, destroyed_at = now()
          WHERE key_id = $1`,
        [keyId],
      );
    });
    const kek = this.keks.get(keyId);
    if (kek) wipe(kek);
    this.keks.delete(keyId);
    await this.pool.query('VACUUM key_vault.key_encryption_keys');
  }

  async close(): Promise<void> {
    for (const key of this.keks.values()) wipe(key);
    this.keks.clear();
    wipe(this.masterKey);
    await this.pool.end();
  }

  private async createCurrentKey(client: PoolClient): Promise<string> {
    const keyId = randomUUID();
    const kek = newKey();
    await client.query(
      `INSERT INTO key_vault.key_encryption_keys (key_id, status, is_current, wrapped_key) VALUES ($1, 'active', true, $2)`,
      [keyId, seal(this.masterKey, kek, kekContext(keyId))],
    );
    this.keks.set(keyId, kek);
    return keyId;
  }

  private async currentKey(client: PoolClient): Promise<{ keyId: string; kek: Buffer }> {
    // Shared: a rotation (which locks the current key's row) waits for seals in flight, and they for it.
    const { rows } = await client.query<{ key_id: string }>(
      'SELECT key_id FROM key_vault.key_encryption_keys WHERE is_current FOR SHARE',
    );
    if (rows.length === 0) throw new KeyVaultError('the vault has no current key-encryption key');
    return { keyId: rows[0].key_id, kek: await this.unwrappedKey(rows[0].key_id, client) };
  }

  private async unwrappedKey(keyId: string, client: Pool | PoolClient = this.pool): Promise<Buffer> {
    const known = this.keks.get(keyId);
    if (known) return known;
    const { rows } = await client.query<{ wrapped_key: Buffer | null }>(
      'SELECT wrapped_key FROM key_vault.key_encryption_keys WHERE key_id = $1',
      [keyId],
    );
    if (rows.length === 0 || rows[0].wrapped_key === null)
      throw new DataKeyDestroyedError(`key-encryption key ${keyId} was destroyed: what it wrapped is gone`);
    const kek = open(this.masterKey, rows[0].wrapped_key, kekContext(keyId));
    this.keks.set(keyId, kek);
    return kek;
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that dies while checked out reports on the client, not the pool: the failing query
    // already rejects, so the event itself needs only a listener (else it would end the process).
    if (!client.listenerCount('error')) client.on('error', () => undefined);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
