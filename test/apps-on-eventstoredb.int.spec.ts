import { EsdbEmulator } from '@certm3/event-store/testing/esdb-emulator/esdb-emulator';
import { AppProcess, AppName, getJson, healthWhen } from '@certm3/test-support/app-process';
import { dropDatabase, scratchDatabaseUrl } from '@certm3/test-support/scratch-database';

// The apps choose their event store from EVENT_STORE_URL alone; here, EventStoreDB (through the emulator).
describe('apps on the EventStoreDB event store', () => {
  const readDatabase = scratchDatabaseUrl('certm3_esdb_read');
  const clmCore = scratchDatabaseUrl('clm_core_esdb_read');
  const clmSecure = scratchDatabaseUrl('clm_secure_esdb_read');
  let emulator: EsdbEmulator;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    emulator = new EsdbEmulator();
    await emulator.start();
  });
  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });
  afterAll(async () => {
    await emulator.stop();
    await Promise.all([readDatabase, clmCore, clmSecure].map((database) => dropDatabase(database.name)));
  });

  it.each<AppName>(['command-api', 'projector'])(
    '%s starts and reports EventStoreDB up, then down when it stops',
    async (name) => {
      app = AppProcess.start(name, {
        EVENT_STORE_URL: emulator.url,
        CERTM3_DATABASE_URL: readDatabase.url,
        CLM_CORE_DATABASE_URL: clmCore.url,
        CLM_SECURE_DATABASE_URL: clmSecure.url,
        // The key vault is PostgreSQL whatever the event store: here, beside the read model.
        KEY_VAULT_DATABASE_URL: readDatabase.url,
      });
      const port = await app.started();
      expect(await healthWhen(port, ({ status }) => status === 200)).toMatchObject({
        status: 200,
        body: { checks: { eventStore: { status: 'up', adapter: 'eventstoredb' } } },
      });

      await emulator.stop();
      try {
        expect(await getJson(port, '/health')).toMatchObject({
          status: 503,
          body: { checks: { eventStore: { status: 'down' } } },
        });
      } finally {
        await emulator.start();
      }
      app.signal('SIGTERM');
      expect(await app.exited).toBe(0);
    },
  );
});
