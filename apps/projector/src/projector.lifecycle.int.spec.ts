import { AppProcess, getJson } from '@certm3/test-support/app-process';
import { dropDatabase, dropDatabaseInUse, scratchDatabaseUrl } from '@certm3/test-support/scratch-database';

const isStarting = (body: unknown) =>
  (body as { checks?: { projection?: { role?: string } } }).checks?.projection?.role === 'starting';

describe('projector process', () => {
  const eventStore = scratchDatabaseUrl('certm3_proj_events');
  const readDatabase = scratchDatabaseUrl('certm3_proj_read');
  let app: AppProcess | undefined;

  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });
  afterAll(async () => {
    await Promise.all([dropDatabase(eventStore.name), dropDatabase(readDatabase.name)]);
  });

  it('creates its databases, reports healthy, reports a lost database as down, and stops on SIGTERM', async () => {
    app = AppProcess.start('projector', {
      EVENT_STORE_URL: eventStore.url,
      CERTM3_DATABASE_URL: readDatabase.url,
    });
    const port = await app.started();

    // The HTTP server can answer before the runner has taken its role; 'starting' is honest, not yet the point.
    let health = await getJson(port, '/health');
    for (let tries = 0; isStarting(health.body) && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      health = await getJson(port, '/health');
    }
    expect(health).toEqual({
      status: 200,
      body: {
        status: 'up',
        checks: {
          eventStore: { status: 'up', adapter: 'postgres' },
          postgres: { status: 'up' },
          projection: { status: 'up', role: 'active', checkpoint: null, lagEvents: 0, lagMilliseconds: 0 },
        },
      },
    });

    await dropDatabaseInUse(readDatabase.name);
    const degraded = await getJson(port, '/health');
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({
      status: 'down',
      checks: { eventStore: { status: 'up' }, postgres: { status: 'down' } },
    });

    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('refuses to start on a malformed database URL, naming it', async () => {
    app = AppProcess.start('projector', { CERTM3_DATABASE_URL: 'mysql://localhost/certm3' });
    expect(await app.exited).toBe(2);
    expect(app.describeLogs()).toContain('CERTM3_DATABASE_URL must be a postgres:// or postgresql:// URL');
  });
});
