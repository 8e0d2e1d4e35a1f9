import { AppProcess, getJson } from '@certm3/test-support/app-process';
import { dropDatabase, scratchDatabaseUrl } from '@certm3/test-support/scratch-database';

describe('command-api process', () => {
  const eventStore = scratchDatabaseUrl('certm3_api_events');
  let app: AppProcess | undefined;

  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });
  afterAll(async () => {
    await dropDatabase(eventStore.name);
  });

  it('starts, reports every dependency up, and stops cleanly on SIGTERM', async () => {
    app = AppProcess.start('command-api', { EVENT_STORE_URL: eventStore.url });
    const port = await app.started();

    const health = await getJson(port, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'up',
      checks: { eventStore: { status: 'up', adapter: 'postgres' }, nats: { status: 'up' } },
    });
    expect((await getJson(port, '/health/live')).status).toBe(200);

    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.logs.map((line) => line.message)).toContain('stopped');
    expect(app.logs.every((line) => line.level !== 'raw')).toBe(true);
  });

  it('refuses to start on malformed settings, naming each variable', async () => {
    app = AppProcess.start('command-api', {
      NATS_URL: 'http://example',
      HTTP_PORT: '99999',
      LOG_LEVEL: 'chatty',
    });
    expect(await app.exited).toBe(2);
    const fatal = app.logs.find((line) => line.level === 'fatal');
    const problems = (fatal?.message as { problems: { variable: string }[] }).problems.map((p) => p.variable);
    expect(problems.sort()).toEqual(['HTTP_PORT', 'LOG_LEVEL', 'NATS_URL']);
  });

  it('exits with a clear error when NATS cannot be reached at start-up', async () => {
    app = AppProcess.start('command-api', {
      EVENT_STORE_URL: eventStore.url,
      NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(await app.exited).toBe(1);
    expect(app.describeLogs()).toMatch(/start-up failed.*CONNECTION_REFUSED|start-up failed.*ECONNREFUSED/i);
  });
});
