import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Server the integration tests use; each test file gets databases of its own on it. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A name for a database that does not exist yet; whoever connects first creates it. */
export function scratchDatabaseUrl(prefix: string): { name: string; url: string } {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** How long a drop waits for sessions that are already closing before it terminates them. */
const CLOSING_SESSIONS_GRACE_MS = 5_000;

/**
 * Drops the database, first giving sessions its users have just closed time to end.
 *
 * pg-pool's end() resolves once it has asked each connection to end, not once the server has let them go,
 * so a forced drop straight after it can terminate a backend that is still on its way out; the FATAL that
 * backend then sends reaches a client still attached to the pool, and the pool re-emits it as an unhandled
 * 'error' in whatever test runs next (CI, 2026-11-29: "terminating connection due to administrator command"
 * failed the read-model migration test). FORCE remains for a test that really leaked a connection.
 */
export async function dropDatabase(name: string): Promise<void> {
  await drop(name, CLOSING_SESSIONS_GRACE_MS);
}

/** Drops the database from under the sessions still using it, as an operator's mistake would. */
export async function dropDatabaseInUse(name: string): Promise<void> {
  await drop(name, 0);
}

async function drop(name: string, graceMs: number): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const { rows } = await client.query<{ sessions: number }>(
        'SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      if (rows[0].sessions === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const { name, url } = scratchDatabaseUrl(prefix);
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return { name, url, drop: () => dropDatabase(name) };
}
