import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { bookkeepingContents } from '../bookkeeping/bookkeeping';
import { sampleModel, teamMembers, teamsTable } from '../testing/sample-model.fixture';
import { readCatalog } from './catalog';
import { ReadModelMigration, runMigrations } from './migrations';
import { prepareReadModel } from './prepare-read-model';
import { expectedCatalog, planSync, SchemaMismatchError, syncSchema } from './sync-schema';
import { text } from '../tables/column';

describe('schema sync', () => {
  let database: ScratchDatabase;
  const clients: Client[] = [];
  const connect = async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const model = sampleModel();

  beforeAll(async () => {
    database = await createScratchDatabase('projection_sync');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await database.drop();
  });

  it('builds the whole definition, several projectors at once, and then has nothing left to do', async () => {
    const [first, second, third] = [await connect(), await connect(), await connect()];
    await Promise.all([
      prepareReadModel(first, model),
      prepareReadModel(second, model),
      prepareReadModel(third, model),
    ]);

    for (const [contents, schema] of [
      [model.tableContents, 'public'],
      [bookkeepingContents('sample'), 'sample'],
    ] as const) {
      const names = {
        tables: contents.tables.map((t) => t.name),
        views: contents.views.map((v) => v.name),
        functions: contents.functions.map((f) => f.name),
      };
      const actual = await readCatalog(first, schema, names);
      expect(planSync(contents, schema, await expectedCatalog(first, contents), actual)).toEqual([]);
    }
    const indexes = await first.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'teams' ORDER BY indexname`,
    );
    expect(indexes.rows.map((row) => row.indexdef)).toEqual([
      'CREATE INDEX idx_teams_created ON public.teams USING btree (created_at DESC)',
      'CREATE INDEX idx_teams_settings ON public.teams USING gin (settings)',
      'CREATE INDEX idx_teams_status ON public.teams USING btree (status) WHERE (deleted_at IS NULL)',
      'CREATE UNIQUE INDEX teams_code_key ON public.teams USING btree (code)',
      'CREATE UNIQUE INDEX teams_pkey ON public.teams USING btree (id)',
    ]);
    const trigger = await first.query(
      `SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgname = 'trg_teams_updated_at'`,
    );
    expect(trigger.rows[0].definition).toBe(
      'CREATE TRIGGER trg_teams_updated_at BEFORE UPDATE ON public.teams FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
    );
    const view = await first.query(`SELECT count(*)::int AS teams FROM active_teams`);
    expect(view.rows).toEqual([{ teams: 0 }]);
    const keys = await first.query<{ conname: string; condeferrable: boolean }>(
      `SELECT conname, condeferrable FROM pg_constraint WHERE conrelid = 'public.team_members'::regclass AND contype = 'f'`,
    );
    expect(keys.rows).toEqual([{ conname: 'team_members_team_id_fkey', condeferrable: true }]);
  });

  it('creates what went missing and replaces what it can, and says which differences need a migration', async () => {
    const client = await connect();
    await client.query('DROP INDEX idx_teams_status');
    await client.query('DROP VIEW active_teams');
    await client.query(
      `CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
    );
    await client.query('ALTER TABLE teams ALTER COLUMN code TYPE varchar(64)');
    await client.query('ALTER TABLE teams ALTER COLUMN deleted_at SET NOT NULL');
    await client.query('ALTER TABLE teams ADD COLUMN colour text');
    await client.query('ALTER TABLE team_members DROP CONSTRAINT team_members_role_check');
    await client.query('ALTER TABLE teams DISABLE TRIGGER trg_teams_updated_at');

    const failure = await prepareReadModel(client, model).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SchemaMismatchError);
    expect((failure as SchemaMismatchError).differences).toEqual([
      'column public.teams.code is character varying(64); the definition says character varying(32)',
      'column public.teams.deleted_at is NOT NULL; the definition says nullable',
      'column public.teams.colour is not in the definition',
      'trigger trg_teams_updated_at on public.teams is disabled',
      `constraint team_members_role_check on public.team_members is missing`,
    ]);
    expect((failure as Error).message).toContain('a migration is needed');
    // What sync can create, it did.
    const restored = await client.query(
      `SELECT (SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_teams_status')::int AS indexes,
              (SELECT count(*) FROM pg_views WHERE viewname = 'active_teams')::int AS views,
              (SELECT prosrc FROM pg_proc WHERE proname = 'update_updated_at_column') AS body`,
    );
    expect(restored.rows[0]).toMatchObject({ indexes: 1, views: 1 });
    expect(restored.rows[0].body).toContain('IS NOT DISTINCT FROM OLD.updated_at');
  });

  it('adds a column the definition gained when it can start out empty', async () => {
    const database2 = await createScratchDatabase('projection_sync_column');
    const client = new Client({ connectionString: database2.url });
    await client.connect();
    try {
      await prepareReadModel(client, sampleModel('grown'));
      const grown = teamsTable({ motto: text() });
      const contents = { ...sampleModel('grown').tableContents, tables: [grown, teamMembers] };
      expect(await syncSchema(client, contents, 'public')).toEqual([]);
      const column = await client.query(
        `SELECT data_type FROM information_schema.columns WHERE table_name = 'teams' AND column_name = 'motto'`,
      );
      expect(column.rows).toEqual([{ data_type: 'text' }]);
    } finally {
      await client.end();
      await database2.drop();
    }
  });

  it('runs each migration once, in order, recorded, and refuses a database a newer release migrated', async () => {
    const client = await connect();
    const ran: string[] = [];
    const migration = (name: string): ReadModelMigration => ({
      name,
      up: async (trx) => {
        ran.push(name);
        await trx.query(`CREATE TABLE IF NOT EXISTS public.migration_marks (name text)`);
        await trx.query(`INSERT INTO public.migration_marks VALUES ($1)`, [name]);
      },
    });
    const layout = { tables: 'public', bookkeeping: 'migrating' };
    await runMigrations(client, [migration('0001_a'), migration('0002_b')], layout);
    await runMigrations(client, [migration('0001_a'), migration('0002_b'), migration('0003_c')], layout);
    expect(ran).toEqual(['0001_a', '0002_b', '0003_c']);
    const failing: ReadModelMigration = {
      name: '0004_fails',
      up: async (trx) => {
        await trx.query(`INSERT INTO public.migration_marks VALUES ('half')`);
        throw new Error('no');
      },
    };
    await expect(
      runMigrations(client, [migration('0001_a'), migration('0002_b'), migration('0003_c'), failing], layout),
    ).rejects.toThrow('migration 0004_fails failed: no');
    const marks = await client.query(`SELECT name FROM public.migration_marks ORDER BY name`);
    expect(marks.rows.map((row) => row.name)).toEqual(['0001_a', '0002_b', '0003_c']);
    await expect(runMigrations(client, [migration('0001_a')], layout)).rejects.toThrow(
      'the database records migrations this release does not have (0002_b, 0003_c)',
    );
  });

  // Regression: when a migration's connection died, the ROLLBACK after it failed too, and its error ("not
  // queryable") was thrown instead of the one that said which migration failed and why.
  it('says which migration failed and why when the connection died with it', async () => {
    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    const dying: ReadModelMigration = {
      name: '0001_loses_its_connection',
      up: async (trx) => {
        await trx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      },
    };
    try {
      const failure = runMigrations(client, [dying], { tables: 'public', bookkeeping: 'dying' });
      await expect(failure).rejects.toThrow(
        /^migration 0001_loses_its_connection failed: terminating connection due to administrator command$/,
      );
      await failure.catch((error: Error) =>
        expect((error.cause as { cleanupErrors?: unknown[] }).cleanupErrors).toHaveLength(1),
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});
