import { Client } from 'pg';
import { createScratchDatabase, dropDatabaseInUse } from './scratch-database';

/**
 * Regression (CI, 2026-11-29): dropDatabase forced the drop straight after the test had ended its pool,
 * terminating backends still on their way out; the FATAL reached the ended pool, which re-threw it as an
 * unhandled 'error' that failed the next test file's test. Under load it happened 4 times in 150 drops.
 */
/** A session on the database that records, rather than throws, the errors the server sends it. */
async function connectRecordingErrors(url: string): Promise<{ session: Client; errors: Error[] }> {
  const session = new Client({ connectionString: url });
  const errors: Error[] = [];
  session.on('error', (error) => errors.push(error));
  await session.connect();
  return { session, errors };
}

describe('dropping a scratch database', () => {
  it('lets a session that is still ending go on its own instead of terminating it', async () => {
    const database = await createScratchDatabase('certm3_drop_grace');
    const { session, errors } = await connectRecordingErrors(database.url);

    let dropped = false;
    const dropping = database.drop().then(() => (dropped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dropped).toBe(false);

    await session.end();
    await dropping;
    expect(errors).toEqual([]);
  });

  it('can still take a database from under a session, as a lost database test needs', async () => {
    const database = await createScratchDatabase('certm3_drop_in_use');
    const { session, errors } = await connectRecordingErrors(database.url);

    await dropDatabaseInUse(database.name);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    expect(errors.map((error) => (error as Error & { code?: string }).code)).toContain('57P01');
    await session.end().catch(() => undefined);
  });
});
