import 'reflect-metadata';
import { ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { connect } from 'nats';
import { freePort, startNatsServer } from '@certm3/test-support/network';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { startCommandApiInProcess } from './testing/in-process-command-api';

const ROOT = join(__dirname, '..', '..', '..');

// A NATS server of our own that demands credentials: the command API must use them, strangers get nothing.
describe('command API on a NATS server that requires credentials', () => {
  let natsServer: ChildProcess;
  let port: number;
  let database: ScratchDatabase;
  let app: INestApplication;
  const subjectPrefix = `certm3-auth-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    port = await freePort();
    natsServer = await startNatsServer(port, ['--user', 'certm3', '--pass', 's3cret-pass']);
    database = await createScratchDatabase('certm3_api_auth');
    app = await startCommandApiInProcess({
      EVENT_STORE_URL: database.url,
      NATS_URL: `nats://127.0.0.1:${port}`,
      NATS_USER: 'certm3',
      NATS_PASSWORD: 's3cret-pass',
      NATS_SUBJECT_PREFIX: subjectPrefix,
    });
  });

  afterAll(async () => {
    await app?.close();
    natsServer?.kill('SIGTERM');
    await database?.drop();
  });

  it('refuses a client without credentials, so it cannot send commands', async () => {
    await expect(connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false })).rejects.toThrow(
      /authorization/i,
    );
  });

  it('serves a client with credentials, here the command-line client bootstrapping the administrator', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(ROOT, 'apps/cli/src/main.ts'),
        'bootstrap',
        '--username',
        'admin',
        '--email',
        'admin@example.com',
        '--nats',
        `nats://127.0.0.1:${port}`,
        '--prefix',
        subjectPrefix,
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NATS_USER: 'certm3',
          NATS_PASSWORD: 's3cret-pass',
          CERTM3_PASSWORD: 'correct horse battery staple',
        },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, data: { revision: 2 } });
  });
});
