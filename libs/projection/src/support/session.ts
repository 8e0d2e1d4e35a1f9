import { ClientBase } from 'pg';

/** An error whose clean-up failed too: the clean-up's errors ride along, the original stays what is thrown. */
export type WithCleanupErrors = Error & { cleanupErrors?: unknown[] };

/** The clean-up errors attached to `error` (see cleanUpAfter), if any. */
export function cleanupErrorsOf(error: unknown): readonly unknown[] {
  return (error as WithCleanupErrors | undefined)?.cleanupErrors ?? [];
}

function attachCleanupError(error: unknown, cleanupError: unknown): void {
  if (typeof error !== 'object' || error === null) return;
  const carrier = error as WithCleanupErrors;
  carrier.cleanupErrors = [...(carrier.cleanupErrors ?? []), cleanupError];
}

/**
 * Runs `work`, then `cleanup` whether it failed or not. When both fail (the connection died, so the
 * clean-up's ROLLBACK or unlock cannot run either), the error of `work` is thrown with the clean-up's
 * attached as `cleanupErrors`: the clean-up never hides why the work failed.
 */
export async function cleanUpAfter<T>(work: () => Promise<T>, cleanup: () => Promise<unknown>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    try {
      await cleanup();
    } catch (cleanupError) {
      attachCleanupError(error, cleanupError);
    }
    throw error;
  }
  await cleanup();
  return result;
}

/** Runs `work` between `open` and `close`; on failure `undo` instead of `close` (see cleanUpAfter). */
async function bracketed<T>(
  client: ClientBase,
  sql: { open: string; close: string; undo: string },
  work: () => Promise<T>,
): Promise<T> {
  await client.query(sql.open);
  let closed = false;
  return cleanUpAfter(
    async () => {
      const result = await work();
      await client.query(sql.close);
      closed = true;
      return result;
    },
    async () => {
      if (!closed) await client.query(sql.undo);
    },
  );
}

/** Runs `work` in a transaction on `client`: committed if it succeeds, rolled back (see cleanUpAfter) if not. */
export function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  return bracketed(client, { open: 'BEGIN', close: 'COMMIT', undo: 'ROLLBACK' }, work);
}

/** Runs `work` in a savepoint of the current transaction: released if it succeeds, rolled back to if not. */
export function inSavepoint<T>(client: ClientBase, name: string, work: () => Promise<T>): Promise<T> {
  return bracketed(
    client,
    { open: `SAVEPOINT ${name}`, close: `RELEASE SAVEPOINT ${name}`, undo: `ROLLBACK TO SAVEPOINT ${name}` },
    work,
  );
}

/** Runs `statements` in order in one transaction: all of them or none. */
export async function runStatementsInTransaction(
  client: ClientBase,
  statements: readonly string[],
): Promise<void> {
  await inTransaction(client, async () => {
    for (const statement of statements) await client.query(statement);
  });
}

/**
 * Runs `work` holding a session-level advisory lock on `client`, released afterwards; a failed release (a
 * dead connection, which released the lock anyway) does not hide why `work` failed.
 */
export async function withSessionLock<T>(
  client: ClientBase,
  key: bigint,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [key.toString()]);
  return cleanUpAfter(work, () => client.query('SELECT pg_advisory_unlock($1)', [key.toString()]));
}
