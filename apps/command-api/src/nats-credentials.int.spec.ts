import 'reflect-metadata';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect as connectSocket, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { connect } from 'nats';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { startCommandApiInProcess } from './testing/in-process-command-api';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const ROOT = join(__dirname, '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connectSocket(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

// A NATS server of our own that demands credentials: the command API must use them, strangers get nothing.
describe('command API on a NATS server that requires credentials', () => {
  let natsServer: ChildProcess;
  let port: number;
  let database: ScratchDatabase;
  let app: INestApplication;
  const subjectPrefix = `certm3-auth-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    port = await freePort();
    natsServer = spawn(
      NATS_SERVER,
      ['-a', '127.0.0.1', '-p', String(port), '--user', 'certm3', '--pass', 's3cret-pass'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
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
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, data: { revision: 1 } });
  });
});
