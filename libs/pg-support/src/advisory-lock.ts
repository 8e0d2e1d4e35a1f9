import { ClientBase } from 'pg';

/**
 * Runs `work` while holding a session-level advisory lock on `client`, so only one process at a time does
 * it (schema migrations, single-writer projections). The lock is released even when `work` throws.
 */
export async function withAdvisoryLock<T>(
  client: ClientBase,
  lockKey: bigint,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [lockKey.toString()]);
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey.toString()]);
  }
}
