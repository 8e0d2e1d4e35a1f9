import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson } from '@certm3/common';
import { CommandReply } from '@certm3/contracts';
import { AppProcess, getJson } from './support/app-process';
import { CommandClient } from './support/command-client';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-database';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/**
 * No secret in clear — nor a fast hash of one — in any event, row, log line, reply or audit export. The
 * whole system runs as processes (command API, projector, audit CLI) on scratch databases; afterwards
 * every byte they wrote is searched: pg_dump of the event store and of the read database, every log line at
 * debug level, every reply, and the audit export.
 */
describe('secrets never appear in clear, nor as a fast hash, anywhere certm3 writes', () => {
  let events: ScratchDatabase;
  let read: ScratchDatabase;
  let clmCore: ScratchDatabase;
  let clmSecure: ScratchDatabase;
  const apps: AppProcess[] = [];
  let client: CommandClient;
  const replies: CommandReply[] = [];
  const prefix = `certm3-secrets-${randomUUID().slice(0, 8)}`;
  const passwords = Array.from({ length: 6 }, (_, index) => `secret number ${index} ${randomUUID()}`);
  const bodies: Record<string, unknown>[] = [];

  beforeAll(async () => {
    events = await createScratchDatabase('certm3_secrets_events');
    read = await createScratchDatabase('certm3_secrets_read');
    clmCore = await createScratchDatabase('clm_core_secrets_read');
    clmSecure = await createScratchDatabase('clm_secure_secrets_read');
    const env = {
      EVENT_STORE_URL: events.url,
      CERTM3_DATABASE_URL: read.url,
      CLM_CORE_DATABASE_URL: clmCore.url,
      CLM_SECURE_DATABASE_URL: clmSecure.url,
      NATS_SUBJECT_PREFIX: prefix,
      PASSWORD_SCRYPT_LOG2_COST: '10',
      LOG_LEVEL: 'verbose',
    };
    apps.push(AppProcess.start('command-api', env), AppProcess.start('projector', env));
    const [apiPort, projectorPort] = await Promise.all(apps.map((app) => app.started()));
    for (const port of [apiPort, projectorPort]) {
      for (let tries = 0; tries < 400 && (await getJson(port, '/health')).status !== 200; tries++)
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
    client = await CommandClient.connect(prefix);
    const send = async (name: string, body: Record<string, unknown>, options = {}) => {
      bodies.push(body);
      const reply = await client.reply(name, body, options);
      replies.push(reply);
      return reply;
    };
    const bootstrap = await send(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: passwords[0] },
      { actorId: null },
    );
    if (!bootstrap.ok) throw new Error(JSON.stringify(bootstrap));
    client.defaultActorId = bootstrap.data.id;
    const users: string[] = [];
    for (const [index, password] of passwords.slice(1, 4).entries()) {
      const reply = await send('RegisterUser', {
        username: `u${index}`,
        email: `u${index}@example.com`,
        password,
      });
      if (reply.ok) users.push(reply.data.id);
    }
    await send('ChangePassword', { userId: users[0], password: passwords[4] });
    // Refused, replayed with another password, and invalid: none of them may leak either.
    const commandId = randomUUID();
    await send(
      'RegisterUser',
      { username: 'x', email: 'u0@example.com', password: passwords[5] },
      { commandId },
    );
    await send(
      'RegisterUser',
      { username: 'x', email: 'u0@example.com', password: `${passwords[5]}!` },
      { commandId },
    );
    await send('ChangePassword', { userId: users[1], password: passwords[5], extra: passwords[5] });
    // Until the projector has applied everything (its health names the applied position).
    const last = replies.filter((reply) => reply.ok).pop() as { data: { position: string } };
    for (let tries = 0; tries < 400; tries++) {
      const health = await getJson(projectorPort, '/health');
      // Each of the three models reports the position twice (checkpoint, appliedPosition) once it has it.
      const reported = JSON.stringify(health.body).split(last.data.position).length - 1;
      if (reported >= 6 && health.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all(apps.map((app) => app.kill()));
    await Promise.all([events?.drop(), read?.drop(), clmCore?.drop(), clmSecure?.drop()]);
  });

  /** Every form a secret could take that a dictionary attack reverses quickly. */
  function fastForms(secret: string): string[] {
    const forms = [secret, Buffer.from(secret).toString('base64')];
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512'])
      forms.push(createHash(algorithm).update(secret).digest('hex'));
    return forms;
  }
  const bodyDigests = () =>
    bodies.map((body) => createHash('sha256').update(canonicalJson(body)).digest('hex'));

  async function everythingWritten(): Promise<Record<string, string>> {
    const dump = async (url: string) =>
      (await run('pg_dump', ['--data-only', '--inserts', url], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    const exported = await run(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'apps/audit/src/main.ts'), 'export'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', EVENT_STORE_URL: events.url },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return {
      'event store': await dump(events.url),
      'read database': await dump(read.url),
      // Its users.password_hash holds the scrypt hashes (slow, salted); audit_log.details holds none.
      'clm_core database': await dump(clmCore.url),
      logs: apps.map((app) => app.describeLogs()).join('\n'),
      replies: JSON.stringify(replies),
      'audit export': exported.stdout,
    };
  }

  it('finds no password, and no fast hash of one or of a body holding one, in any of them', async () => {
    const written = await everythingWritten();
    expect(written['read database']).toContain('INSERT INTO public.users');
    expect(written['clm_core database']).toContain('INSERT INTO public.audit_log');
    expect(written.logs.length).toBeGreaterThan(1000);
    const found: string[] = [];
    for (const [where, text] of Object.entries(written)) {
      for (const secret of passwords)
        for (const form of fastForms(secret))
          if (text.includes(form)) found.push(`${where}: a form of a password`);
      for (const digest of bodyDigests()) if (text.includes(digest)) found.push(`${where}: a body digest`);
    }
    expect(found).toEqual([]);
  });

  it('keeps password hashes slow (scrypt) wherever they are stored, and out of exports', async () => {
    const written = await everythingWritten();
    expect(written['event store']).toMatch(/scrypt\$N=1024,r=8,p=1\$/);
    expect(written['audit export']).not.toMatch(/scrypt\$/);
    expect(written.logs).not.toMatch(/scrypt\$/);
  });
});
