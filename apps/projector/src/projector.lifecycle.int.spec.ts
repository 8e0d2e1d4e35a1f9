import { AppProcess, getJson, healthWhen } from '@certm3/test-support/app-process';
import { freePort, TcpProxy } from '@certm3/test-support/network';
import { dropDatabase, dropDatabaseInUse, scratchDatabaseUrl } from '@certm3/test-support/scratch-database';
import { READ_MODELS } from './read-models';
import { waitUntil } from './testing/projector-test-stack';

const isStarting = (body: unknown) =>
  READ_MODELS.some(
    (model) =>
      (body as { checks?: Record<string, { role?: string }> }).checks?.[`readModel:${model.name}`]?.role !==
      'active',
  );

describe('projector process', () => {
  const eventStore = scratchDatabaseUrl('certm3_proj_events');
  const readDatabase = scratchDatabaseUrl('certm3_proj_read');
  // The other models' databases, created by the projector as it starts, dropped after.
  const clmCore = scratchDatabaseUrl('clm_core_proj_read');
  const clmSecure = scratchDatabaseUrl('clm_secure_proj_read');
  const otherModels = { CLM_CORE_DATABASE_URL: clmCore.url, CLM_SECURE_DATABASE_URL: clmSecure.url };
  let app: AppProcess | undefined;

  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });
  afterAll(async () => {
    await Promise.all(
      [eventStore, readDatabase, clmCore, clmSecure].map((database) => dropDatabase(database.name)),
    );
  });

  it('creates its databases, reports healthy, reports a lost database as down, and stops on SIGTERM', async () => {
    app = AppProcess.start('projector', {
      EVENT_STORE_URL: eventStore.url,
      CERTM3_DATABASE_URL: readDatabase.url,
      ...otherModels,
    });
    const port = await app.started();

    // The HTTP server can answer before the runner has taken its role, and before the event store (connected
    // in the background) answers: 'starting' and 'down' are honest then, not yet the point.
    const health = await healthWhen(port, ({ status, body }) => status === 200 && !isStarting(body));
    expect(health).toEqual({
      status: 200,
      body: {
        status: 'up',
        checks: {
          eventStore: { status: 'up', adapter: 'postgres' },
          ...Object.fromEntries(
            READ_MODELS.map((model) => [
              `readModel:${model.name}`,
              {
                status: 'up',
                role: 'active',
                checkpoint: null,
                appliedPosition: null,
                lagEvents: 0,
                lagMilliseconds: 0,
              },
            ]),
          ),
        },
      },
    });

    await dropDatabaseInUse(readDatabase.name);
    const degraded = await getJson(port, '/health');
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({
      status: 'down',
      checks: { eventStore: { status: 'up' }, 'readModel:certm3': { status: 'down' } },
    });

    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('waits for a read database that is down at start-up or later: the model is down with the reason, the process stays', async () => {
    const proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: 5432 });
    const late = scratchDatabaseUrl('certm3_proj_late');
    const throughProxy = new URL(late.url);
    throughProxy.port = String(proxy.port);
    try {
      app = AppProcess.start('projector', {
        EVENT_STORE_URL: eventStore.url,
        CERTM3_DATABASE_URL: throughProxy.toString(),
        ...otherModels,
      });
      const port = await app.started();
      const model = async () => {
        const { status, body } = await getJson(port, '/health');
        return {
          status,
          check: (body as { checks: Record<string, { status: string; error?: string; role?: string }> })
            .checks['readModel:certm3'],
        };
      };
      await waitUntil(async () => (await model()).check.error?.includes('ECONNREFUSED') === true);
      expect(await model()).toMatchObject({ status: 503, check: { status: 'down' } });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(app.logs.some((line) => line.level === 'fatal')).toBe(false);

      await proxy.listen(); // the database answers: created, migrated, synced, projecting
      await waitUntil(async () => (await model()).check.role === 'active');
      expect((await model()).status).toBe(200);

      await proxy.close(); // and vanishes again
      await waitUntil(async () => (await model()).status === 503);
      await proxy.listen();
      await waitUntil(async () => (await model()).check.role === 'active');
      app.signal('SIGTERM');
      expect(await app.exited).toBe(0);
    } finally {
      await proxy.close();
      await dropDatabase(late.name);
    }
  });

  it('refuses to start on a malformed database URL, naming it', async () => {
    app = AppProcess.start('projector', { CERTM3_DATABASE_URL: 'mysql://localhost/certm3' });
    expect(await app.exited).toBe(2);
    expect(app.describeLogs()).toContain('CERTM3_DATABASE_URL must be a postgres:// or postgresql:// URL');
  });
});
