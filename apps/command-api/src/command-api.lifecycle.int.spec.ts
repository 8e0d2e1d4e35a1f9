import { Client } from 'pg';
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { CommandClient } from '@certm3/test-support/command-client';
import { AppProcess, getJson, healthWhen } from '@certm3/test-support/app-process';
import { freePort, startNatsServer, TcpProxy } from '@certm3/test-support/network';
import { dropDatabase, scratchDatabaseUrl, TEST_POSTGRES_URL } from '@certm3/test-support/scratch-database';

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

  it('starts, reports every dependency up, counts commands at /metrics, and stops cleanly on SIGTERM', async () => {
    const prefix = `certm3-lifecycle-${randomUUID().slice(0, 8)}`;
    app = AppProcess.start('command-api', { EVENT_STORE_URL: eventStore.url, NATS_SUBJECT_PREFIX: prefix });
    const port = await app.started();

    const health = await healthWhen(port, ({ status }) => status === 200);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'up',
      checks: { eventStore: { status: 'up', adapter: 'postgres' }, nats: { status: 'up' } },
    });
    expect((await getJson(port, '/health/live')).status).toBe(200);

    const client = await CommandClient.connect(prefix);
    try {
      const password = 'correct horse battery staple';
      const bootstrap = { username: 'admin', email: 'admin@example.com', password };
      expect(await client.reply('BootstrapAdministrator', bootstrap, { actorId: null })).toMatchObject({
        ok: true,
      });
      expect(await client.reply('CreateGroup', { name: 'ops' }, { actorId: randomUUID() })).toMatchObject({
        error: { code: 'FORBIDDEN' },
      });
      await client.reply('LaunchMissiles', {}, { actorId: randomUUID() });
    } finally {
      await client.close();
    }
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('certm3_commands_total{command="BootstrapAdministrator",outcome="ok"} 1');
    expect(text).toContain('certm3_commands_total{command="CreateGroup",outcome="FORBIDDEN"} 1');
    expect(text).toContain('certm3_commands_total{command="unknown",outcome="UNKNOWN_COMMAND"} 1');
    expect(text).toMatch(/certm3_command_duration_seconds_count\{command="BootstrapAdministrator"\} 1/);
    expect(text).toContain('certm3_commands_in_flight 0');

    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.logs.map((line) => line.message)).toContain('stopped');
    expect(app.logs.every((line) => line.level !== 'raw')).toBe(true);
  });

  it('refuses to start on malformed settings, naming each variable', async () => {
    app = AppProcess.start('command-api', {
      NATS_URL: 'http://example',
      COMMAND_API_HTTP_PORT: '99999',
      LOG_LEVEL: 'chatty',
    });
    expect(await app.exited).toBe(2);
    const fatal = app.logs.find((line) => line.level === 'fatal');
    const problems = (fatal?.message as { problems: { variable: string }[] }).problems.map((p) => p.variable);
    expect(problems.sort()).toEqual(['COMMAND_API_HTTP_PORT', 'LOG_LEVEL', 'NATS_URL']);
  });

  it('refuses to start without a master key, or with one that is not 32 bytes, never printing it', async () => {
    for (const [key, message] of [
      ['', /no master key/],
      ['c2hvcnQ=', /32 bytes/],
    ] as const) {
      app = AppProcess.start('command-api', { EVENT_STORE_URL: eventStore.url, CERTM3_MASTER_KEY: key });
      expect(await app.exited).toBe(2);
      const fatal = app.logs.find((line) => line.level === 'fatal');
      expect(JSON.stringify(fatal)).toMatch(message);
      if (key) expect(JSON.stringify(app.logs)).not.toContain(key);
    }
    app = undefined;
  });

  it('refuses to go on with another master key than the vault was set up with, writing nothing', async () => {
    const env = { EVENT_STORE_URL: eventStore.url, NATS_SUBJECT_PREFIX: `vault-${randomUUID().slice(0, 8)}` };
    app = AppProcess.start('command-api', env);
    const port = await app.started();
    await healthWhen(port, ({ status }) => status === 200);
    app.signal('SIGTERM');
    await app.exited;
    const rows = async () => {
      const client = new Client({ connectionString: eventStore.url });
      await client.connect();
      try {
        return (
          await client.query(
            `SELECT (SELECT count(*) FROM key_vault.key_encryption_keys)::int AS keys,
                    (SELECT check_value FROM key_vault.master_key_check) AS check_value`,
          )
        ).rows;
      } finally {
        await client.end();
      }
    };
    const before = await rows();
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    app = AppProcess.start('command-api', { ...env, CERTM3_MASTER_KEY: otherKey });
    expect(await app.exited).toBe(2);
    const fatal = app.logs.find((line) => line.level === 'fatal');
    expect(JSON.stringify(fatal)).toContain('the master key is not the one this vault was set up with');
    expect(JSON.stringify(app.logs)).not.toContain(otherKey);
    expect(await rows()).toEqual(before);
    app = undefined;
  });

  it('waits for NATS and PostgreSQL that are down at start-up, reporting each, and serves once they answer', async () => {
    // Regression: with either dependency unreachable at start-up the process used to exit at once.
    const natsPort = await freePort();
    const postgres = new URL(TEST_POSTGRES_URL);
    const proxy = new TcpProxy(await freePort(), {
      host: postgres.hostname,
      port: Number(postgres.port || 5432),
    });
    const viaProxy = new URL(eventStore.url);
    viaProxy.port = String(proxy.port);
    let nats: ChildProcess | undefined;
    try {
      app = AppProcess.start('command-api', {
        EVENT_STORE_URL: viaProxy.toString(),
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
      });
      const port = await app.started();
      const down = await healthWhen(port, ({ body }) => {
        const checks = (body as { checks?: Record<string, { status: string }> }).checks;
        return checks?.nats?.status === 'down' && checks?.eventStore?.status === 'down';
      });
      expect(down).toMatchObject({
        status: 503,
        body: {
          status: 'down',
          checks: {
            nats: { status: 'down', error: expect.stringMatching(/NATS is not connected yet/) },
            eventStore: { status: 'down', error: expect.stringMatching(/event store is not connected yet/) },
          },
        },
      });
      nats = await startNatsServer(natsPort);
      await proxy.listen();
      const up = await healthWhen(port, ({ status }) => status === 200);
      expect(up).toMatchObject({ status: 200, body: { status: 'up' } });
      expect(app.logs.map((line) => JSON.stringify(line.message)).join('\n')).toMatch(
        /listening for commands/,
      );
    } finally {
      await app?.kill();
      nats?.kill('SIGTERM');
      await proxy.close();
    }
  });
});
