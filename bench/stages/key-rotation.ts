/**
 * Key rotation in the vault: 10,000 data keys sealed through PostgresKeyVault directly (a scratch database
 * of its own, a random 32-byte master key), then rotate() and rewrapBatch(500) until none is left — data
 * keys re-wrapped per second, with the CPU this process (the vault) and PostgreSQL spent per key.
 *
 * Its raw baseline, from the same run: single-row UPDATEs of a table shaped like the vault's data keys
 * (uuid key, indexed key-encryption key id, 61-byte wrapped key), 500 to a transaction, one after another
 * on one connection — what a batch of re-wraps does in PostgreSQL, without reading, counting or crypto.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresKeyVault, SealedSecret } from '@certm3/key-vault';
import { cpuBetween, percentiles, ratio, readCpu, round, runClosedLoop } from '../measure';
import { cores } from '../support/machine';
import { scratchDatabase } from '../support/scratch';

const DATA_KEYS = 10_000;
const BATCH = 500;
/** A data key wrapped as the vault stores it: version, nonce, tag and the 32-byte key. */
const WRAPPED_KEY_BYTES = 1 + 12 + 16 + 32;

const cpuGroups = {
  postgres: (_pid: number, name: string) => name === 'postgres',
  /** This process: the vault in the rotation, the client in the baseline. */
  vault: (pid: number) => pid === process.pid,
  other: () => true,
};

export async function batchedUpdateBaseline() {
  const db = await scratchDatabase('bench_raw_update');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    `CREATE TABLE data_keys (data_key_id uuid PRIMARY KEY, key_id uuid NOT NULL, wrapped_key bytea NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now());
     CREATE INDEX data_keys_key_id ON data_keys (key_id)`,
  );
  await client.query(
    `INSERT INTO data_keys (data_key_id, key_id, wrapped_key)
       SELECT gen_random_uuid(), '00000000-0000-4000-8000-000000000001', $1::bytea FROM generate_series(1, $2::int)`,
    [randomBytes(WRAPPED_KEY_BYTES), DATA_KEYS],
  );
  const { rows } = await client.query<{ data_key_id: string }>(
    'SELECT data_key_id FROM data_keys ORDER BY data_key_id',
  );
  const newKeyId = '00000000-0000-4000-8000-000000000002';
  const before = readCpu(cpuGroups);
  const started = performance.now();
  for (let from = 0; from < rows.length; from += BATCH) {
    await client.query('BEGIN');
    for (const row of rows.slice(from, from + BATCH))
      await client.query('UPDATE data_keys SET key_id = $1, wrapped_key = $2 WHERE data_key_id = $3', [
        newKeyId,
        randomBytes(WRAPPED_KEY_BYTES),
        row.data_key_id,
      ]);
    await client.query('COMMIT');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(before, readCpu(cpuGroups), rows.length, cores());
  await client.end();
  return {
    rows: rows.length,
    rowsPerTransaction: BATCH,
    rowsPerSecond: round(rows.length / seconds, 0),
    machineBusy: cpu.machineBusy,
    cpuMsPerRow: cpu.msPerOperation,
  };
}

export type BatchedUpdateBaseline = Awaited<ReturnType<typeof batchedUpdateBaseline>>;

export async function keyRotation(baseline: BatchedUpdateBaseline) {
  const db = await scratchDatabase('bench_vault');
  const vault = await PostgresKeyVault.open({ url: db.url, masterKey: randomBytes(32) });
  // What a server-side P-256 key is as PKCS#8: 138 bytes (the re-wrap never touches it).
  const secret = randomBytes(138);
  const sealedSome = new Map<string, SealedSecret>();
  const sealing = await runClosedLoop(
    4, // the vault's pool
    DATA_KEYS,
    async (index) => {
      const sealed = await vault.seal(secret, `bench/${index}`);
      if (index % 1_000 === 0) sealedSome.set(`bench/${index}`, sealed);
    },
    120,
  );
  if (sealing.operations !== DATA_KEYS) throw new Error(`sealed ${sealing.operations} of ${DATA_KEYS}`);

  const rotation = await vault.rotate();
  const batchesMs: number[] = [];
  let rewrapped = 0;
  const before = readCpu(cpuGroups);
  const started = performance.now();
  for (let remaining = Infinity; remaining > 0;) {
    const begun = performance.now();
    const batch = await vault.rewrapBatch(BATCH);
    batchesMs.push(performance.now() - begun);
    rewrapped += batch.rewrapped;
    remaining = batch.remaining;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(before, readCpu(cpuGroups), rewrapped, cores());

  // The figures are of a rotation that worked: the old key is retired, and what was sealed still opens.
  const keys = await vault.keyEncryptionKeys();
  const old = keys.find((key) => key.keyId === rotation.oldKeyId);
  if (old?.status !== 'retired' || old.dataKeys !== 0) throw new Error('the old key was not retired');
  for (const [context, sealed] of sealedSome)
    if (!(await vault.open(sealed, context)).equals(secret))
      throw new Error('a sealed secret did not open after the rotation');
  await vault.close();

  const perSecond = round(rewrapped / seconds, 0);
  const batch = percentiles(batchesMs);
  return {
    dataKeys: DATA_KEYS,
    sealing: { perSecond: sealing.perSecond, concurrency: sealing.concurrency, p50Ms: sealing.p50Ms },
    batchSize: BATCH,
    batches: batchesMs.length,
    rewrapped,
    seconds: round(seconds),
    rewrappedPerSecond: perSecond,
    batchP50Ms: batch.p50Ms,
    batchMaxMs: round(Math.max(...batchesMs)),
    ratioToBatchedUpdate: ratio(perSecond, baseline.rowsPerSecond),
    machineBusy: cpu.machineBusy,
    cpuMsPerDataKey: cpu.msPerOperation,
  };
}

export type KeyRotation = Awaited<ReturnType<typeof keyRotation>>;
