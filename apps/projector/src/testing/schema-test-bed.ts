import { Client, Pool, PoolClient } from 'pg';
import { prepareReadModel, ReadModel } from '@certm3/projection';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

/**
 * A scratch database with `model`'s schema synced into it the way projectors do it — twice at once, as two
 * projectors starting together would, then once more on what they made — for specs that compare the
 * catalog with a documented schema. Registers its own beforeAll/afterAll.
 */
export function schemaTestBed(model: ReadModel, databaseName: string) {
  let database: ScratchDatabase;
  let pool: Pool;
  const prepare = async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await prepareReadModel(client, model);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    database = await createScratchDatabase(databaseName);
    pool = new Pool({ connectionString: database.url, max: 4 });
    await Promise.all([prepare(), prepare()]);
    await prepare();
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });
  const query = async <Row>(text: string, params: unknown[] = []) =>
    (await pool.query(text, params)).rows as Row[];
  return {
    prepare,
    query,
    /** Every primary and foreign key column of schema public, a foreign key naming `table.column` it references. */
    keys: () =>
      query<{ table_name: string; constraint_type: string; column_name: string; foreign: string | null }>(
        `SELECT tc.table_name, tc.constraint_type, kcu.column_name,
                CASE WHEN tc.constraint_type = 'FOREIGN KEY' THEN ccu.table_name || '.' || ccu.column_name END AS foreign
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
           LEFT JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
          WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`,
      ),
    /** `work` in a transaction rolled back afterwards: each test's rows are its own. */
    rolledBack: async (work: (client: PoolClient) => Promise<void>) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await work(client);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    },
    get pool(): Pool {
      return pool;
    },
    get url(): string {
      return database.url;
    },
  };
}
