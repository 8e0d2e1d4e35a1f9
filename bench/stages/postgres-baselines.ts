/**
 * Raw PostgreSQL baselines: single-row INSERTs at 1 and 32 connections, 500-row INSERTs in a transaction,
 * and COPY, into a plain table of the same shape as an event — what the event store and the projection are
 * compared to.
 */
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { round, runClosedLoop } from '../measure';
import { scratchDatabase } from '../support/scratch';

export async function postgresBaselines() {
  const db = await scratchDatabase('bench_raw');
  const pool = new Pool({ connectionString: db.url, max: 64 });
  await pool.query(
    'CREATE TABLE rows (id bigserial PRIMARY KEY, stream text NOT NULL, payload jsonb NOT NULL)',
  );
  const payload = JSON.stringify({
    type: 'UserRegistered',
    data: { email: 'someone@example.com', username: 'someone' },
  });
  const insert = (index: number) =>
    pool.query('INSERT INTO rows (stream, payload) VALUES ($1, $2)', [`s-${index}`, payload]);
  const single1 = await runClosedLoop(1, 3_000, insert, 10);
  const single32 = await runClosedLoop(32, 12_000, insert, 10);

  const batchRows = 500;
  const batches = 100;
  const values = Array.from(
    { length: batchRows },
    (_, index) => `($${index * 2 + 1}, $${index * 2 + 2})`,
  ).join(',');
  const params = Array.from({ length: batchRows }, (_, index) => [`b-${index}`, payload]).flat();
  let started = performance.now();
  const client = await pool.connect();
  for (let batch = 0; batch < batches; batch++) {
    await client.query('BEGIN');
    await client.query(`INSERT INTO rows (stream, payload) VALUES ${values}`, params);
    await client.query('COMMIT');
  }
  const batchedPerSecond = round((batches * batchRows) / ((performance.now() - started) / 1000), 0);

  started = performance.now();
  const copyRows = 200_000;
  const line = `c\t${payload.replace(/\\/g, '\\\\')}\n`;
  for (let chunk = 0; chunk < copyRows / 1_000; chunk++) {
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom('COPY rows (stream, payload) FROM STDIN'));
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(line.repeat(1_000));
    });
  }
  const copyPerSecond = round(copyRows / ((performance.now() - started) / 1000), 0);
  client.release();
  await pool.end();
  return {
    singleRowInsert: { c1: single1, c32: single32 },
    batchedInsert500: { rowsPerSecond: batchedPerSecond },
    copy: { rowsPerSecond: copyPerSecond },
  };
}

export type PostgresBaselines = Awaited<ReturnType<typeof postgresBaselines>>;
