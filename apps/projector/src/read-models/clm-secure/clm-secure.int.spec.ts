import { Client } from 'pg';
import { prepareReadModel } from '@certm3/projection';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { clmSecureModel } from './clm-secure.model';

// clm_secure_db is restricted: only the projector's role and its reader use it.
describe('clm_secure read model database', () => {
  let database: ScratchDatabase;
  let client: Client;

  const prepare = async () => {
    const connection = new Client({ connectionString: database.url });
    await connection.connect();
    try {
      await prepareReadModel(connection, clmSecureModel);
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    database = await createScratchDatabase('clm_secure_db');
    await Promise.all([prepare(), prepare()]);
    await prepare();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const one = async (text: string) => (await client.query(text)).rows[0];

  it('has its tables in public, and its bookkeeping in schema clm_secure', async () => {
    expect(
      await one(
        `SELECT array_agg(relname::text ORDER BY relname) AS tables FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'`,
      ),
    ).toEqual({ tables: clmSecureModel.tables.map((table) => table.name).sort() });
    expect(
      await one(`SELECT to_regclass('clm_secure.projector_checkpoint') IS NOT NULL AS bookkeeping`),
    ).toEqual({
      bookkeeping: true,
    });
  });

  it('lets no one but its owner and clm_secure_reader connect, nor PUBLIC create anything', async () => {
    expect(
      await one(`SELECT has_database_privilege('public', current_database(), 'CONNECT') AS connect,
                        has_database_privilege('public', current_database(), 'TEMPORARY') AS temporary,
                        has_schema_privilege('public', 'public', 'CREATE') AS create_in_public,
                        has_database_privilege('clm_secure_reader', current_database(), 'CONNECT') AS reader_connects,
                        has_database_privilege('clm_secure_reader', current_database(), 'TEMPORARY') AS reader_temporary,
                        has_schema_privilege('clm_secure_reader', 'public', 'CREATE') AS reader_creates`),
    ).toEqual({
      connect: false,
      temporary: false,
      create_in_public: false,
      reader_connects: true,
      reader_temporary: false,
      reader_creates: false,
    });
    expect(await one(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'clm_secure_reader'`)).toEqual({
      rolcanlogin: false,
    });
  });

  it('gives the reader the bookkeeping to read, nothing to write', async () => {
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL ROLE clm_secure_reader');
      await client.query('SELECT * FROM clm_secure.applied_position');
      await client.query(`SELECT clm_secure.has_applied('1/1')`);
      await expect(client.query('CREATE TABLE public.stray (id int)')).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('restricts a database made before it was restricted (PUBLIC had CONNECT) in place', async () => {
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database.name} TO PUBLIC`);
    await client.query(`REVOKE CONNECT ON DATABASE ${database.name} FROM clm_secure_reader`);
    await prepare();
    expect(
      await one(`SELECT has_database_privilege('public', current_database(), 'CONNECT') AS connect,
                        has_database_privilege('clm_secure_reader', current_database(), 'CONNECT') AS reader`),
    ).toEqual({ connect: false, reader: true });
  });
});
