import { Client, Pool } from 'pg';
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
  return {
    prepare,
    get pool(): Pool {
      return pool;
    },
    get url(): string {
      return database.url;
    },
    query: async <Row>(text: string, params: unknown[] = []) =>
      (await pool.query(text, params)).rows as Row[],
  };
}
