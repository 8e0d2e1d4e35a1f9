/**
 * npm run bench — how fast certm3 writes, projects and replays on this machine, each figure next to a raw
 * baseline measured in the same run (PostgreSQL inserts, NATS round trips). Prints a table and writes
 * bench/results/latest.json. Everything runs against the local PostgreSQL and NATS, in scratch databases
 * that are dropped at the end. Timings are reported, never asserted.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import { Client, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { exportLog, stateAt } from '@certm3/audit';
import { commandSubject, HEADERS } from '@certm3/contracts';
import { USERS_GROUP_ID } from '@certm3/domain';
import { eventIdFor, EventToAppend, JsonObject, PostgresEventStore } from '@certm3/event-store';
import { createTestCertificate } from '../test/support/certificates';
import { createScratchDatabase, ScratchDatabase } from '../test/support/scratch-database';
import { migrateReadModel } from '../apps/projector/src/read-model/migrations';
import { Certm3ReadModel } from '../apps/projector/src/read-model/certm3-tables';
import { replayInto } from '../apps/projector/src/operations/replay';
import { cpuBetween, percentiles, ratio, readCpu, round, runClosedLoop } from './measure';

const ROOT = join(__dirname, '..');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const results: Record<string, unknown> = {};
const scratch: ScratchDatabase[] = [];
const children: ChildProcess[] = [];
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function database(prefix: string): Promise<ScratchDatabase> {
  const created = await createScratchDatabase(prefix);
  scratch.push(created);
  return created;
}

// ---- 1. Raw baselines ------------------------------------------------------------------------------------

async function postgresBaselines() {
  const db = await database('bench_raw');
  const pool = new Pool({ connectionString: db.url, max: 64 });
  await pool.query(
    'CREATE TABLE rows (id bigserial PRIMARY KEY, stream text NOT NULL, payload jsonb NOT NULL)',
  );
  const payload = JSON.stringify({
    type: 'UserRegistered',
    data: { email: 'someone@example.com', username: 'someone' },
  });
  const insert = (index: number) =>
    pool.query('INSERT INTO rows (stream, payload) VALUES ($1, $2)', [`s-${index}`, payload]);
  const single1 = await runClosedLoop(1, 3_000, insert, 10);
  const single32 = await runClosedLoop(32, 12_000, insert, 10);

  const batchRows = 500;
  const batches = 100;
  const values = Array.from(
    { length: batchRows },
    (_, index) => `($${index * 2 + 1}, $${index * 2 + 2})`,
  ).join(',');
  const params = Array.from({ length: batchRows }, (_, index) => [`b-${index}`, payload]).flat();
  let started = performance.now();
  const client = await pool.connect();
  for (let batch = 0; batch < batches; batch++) {
    await client.query('BEGIN');
    await client.query(`INSERT INTO rows (stream, payload) VALUES ${values}`, params);
    await client.query('COMMIT');
  }
  const batchedPerSecond = round((batches * batchRows) / ((performance.now() - started) / 1000), 0);

  started = performance.now();
  const copyRows = 200_000;
  const line = `c\t${payload.replace(/\\/g, '\\\\')}\n`;
  for (let chunk = 0; chunk < copyRows / 1_000; chunk++) {
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom('COPY rows (stream, payload) FROM STDIN'));
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(line.repeat(1_000));
    });
  }
  const copyPerSecond = round(copyRows / ((performance.now() - started) / 1000), 0);
  client.release();
  await pool.end();
  return {
    singleRowInsert: { c1: single1, c32: single32 },
    batchedInsert500: { rowsPerSecond: batchedPerSecond },
    copy: { rowsPerSecond: copyPerSecond },
  };
}

async function natsBaselines() {
  const responder = await connect({ servers: NATS_URL });
  const subject = `bench.echo.${randomUUID()}`;
  responder.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await responder.flush();
  const client = await connect({ servers: NATS_URL });
  const body = Buffer.from('{"ping":true}');
  const request = () => client.request(subject, body, { timeout: 5_000 });
  const c1 = await runClosedLoop(1, 5_000, request, 8);
  const c64 = await runClosedLoop(64, 40_000, request, 8);
  await client.close();
  await responder.close();
  return { c1, c64 };
}

// ---- 2. Event store append ---------------------------------------------------------------------------

async function eventStoreAppend() {
  const db = await database('bench_append');
  const store = await PostgresEventStore.connect({ url: db.url, poolSize: 64 });
  const append = (index: number) => {
    const id = randomUUID();
    return store.append(
      `bench-${id}`,
      [
        {
          id,
          type: 'UserRegistered',
          data: { userId: id, index, email: `${id}@example.com` },
          metadata: { commandId: id, occurredAt: new Date().toISOString() },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  };
  const byConcurrency: Record<string, unknown> = {};
  for (const concurrency of [1, 16, 32, 64])
    byConcurrency[`c${concurrency}`] = await runClosedLoop(
      concurrency,
      concurrency === 1 ? 3_000 : 12_000,
      append,
      10,
    );
  await store.close();
  return byConcurrency as Record<'c1' | 'c16' | 'c32' | 'c64', Awaited<ReturnType<typeof runClosedLoop>>>;
}

// ---- 3. The command path over NATS -------------------------------------------------------------------

function startApp(app: 'command-api' | 'projector', env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROFILE=dir writes a V8 CPU profile of each app there (open it in Chrome's devtools).
      ...(process.env.BENCH_CPU_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
        : []),
      '-r',
      '@swc-node/register',
      join(ROOT, 'apps', app, 'src', 'main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        COMMAND_API_HTTP_PORT: '0',
        PROJECTOR_HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code}: ${output}`)));
    // LOG_LEVEL=warn hides the "started" line: fall back to waiting for the subscription.
    setTimeout(() => resolve(child), 6_000);
  });
}

class Sender {
  constructor(
    private readonly nats: NatsConnection,
    private readonly prefix: string,
    public actorId: string | undefined,
  ) {}

  async send(name: string, body: unknown): Promise<{ id: string }> {
    const headers = natsHeaders();
    headers.set(HEADERS.commandId, randomUUID());
    if (this.actorId) headers.set(HEADERS.actorId, this.actorId);
    const response = await this.nats.request(
      commandSubject(name, this.prefix),
      Buffer.from(JSON.stringify(body)),
      { headers, timeout: 30_000 },
    );
    const reply = JSON.parse(Buffer.from(response.data).toString('utf8'));
    if (!reply.ok) throw new Error(`${name} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }
}

async function commandPath(appendRates: Awaited<ReturnType<typeof eventStoreAppend>>) {
  const events = await database('bench_cmd_events');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const commandApiPids = new Set<number>();
  const cpuGroups = {
    commandApi: (pid: number) => commandApiPids.has(pid),
    postgres: (_pid: number, name: string) => name === 'postgres',
    natsServer: (_pid: number, name: string) => name === 'nats-server',
    loadGenerator: (pid: number) => pid === process.pid,
    other: () => true,
  };
  const firstInstance = await startApp('command-api', {
    EVENT_STORE_URL: events.url,
    NATS_SUBJECT_PREFIX: prefix,
    PASSWORD_SCRYPT_LOG2_COST: '10',
  });
  commandApiPids.add(firstInstance.pid!);
  const nats = await connect({ servers: NATS_URL });
  const sender = new Sender(nats, prefix, undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      const admin = await sender.send('BootstrapAdministrator', {
        username: 'admin',
        email: 'admin@example.com',
        password: 'bench password 1234',
      });
      sender.actorId = admin.id;
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await sender.send('CreateGroup', { name: 'bench' });
  const pems = await Promise.all(Array.from({ length: 8 }, () => createTestCertificate()));

  // The realistic mix, as flows of four commands: register a user, add them to a group, register a
  // certificate for them, revoke it. `concurrency` flows run at once, so that many commands are in flight.
  const runMix = async (concurrency: number) => {
    const samples: number[] = [];
    const timed = async (name: string, body: unknown) => {
      const begun = performance.now();
      const data = await sender.send(name, body);
      samples.push(performance.now() - begun);
      return data;
    };
    const flows = concurrency === 1 ? 120 : concurrency === 16 ? 400 : 800;
    let started = 0;
    const cpuBefore = readCpu(cpuGroups);
    const begin = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < flows && performance.now() - begin < 20_000) {
          const flow = started++;
          const user = await timed('RegisterUser', {
            username: `u${flow}-${randomUUID().slice(0, 8)}`,
            email: `u${flow}-${randomUUID().slice(0, 8)}@example.com`,
            password: 'bench password 1234',
          });
          await timed('AddUserToGroup', { userId: user.id, groupName: 'bench' });
          const certificate = await timed('RegisterCertificate', {
            userId: user.id,
            certificateData: pems[flow % pems.length],
          });
          await timed('RevokeCertificate', { certificateId: certificate.id, reason: 'superseded' });
        }
      }),
    );
    const seconds = (performance.now() - begin) / 1000;
    const cpu = cpuBetween(cpuBefore, readCpu(cpuGroups), samples.length, cpus().length);
    const perSecond = round(samples.length / seconds, 0);
    const appendRate = (appendRates as Record<string, { perSecond: number }>)[`c${concurrency}`].perSecond;
    return {
      concurrency,
      commands: samples.length,
      seconds: round(seconds),
      perSecond,
      ...percentiles(samples),
      ratioToEventStoreAppend: ratio(perSecond, appendRate),
      machineBusy: cpu.machineBusy,
      cpuMsPerCommand: cpu.msPerOperation,
    };
  };
  const byConcurrency: Record<string, unknown> = {};
  for (const concurrency of [1, 16, 64]) byConcurrency[`c${concurrency}`] = await runMix(concurrency);
  // Scaling out: a second instance joins the queue group, as a deployment would add one.
  const secondInstance = await startApp('command-api', {
    EVENT_STORE_URL: events.url,
    NATS_SUBJECT_PREFIX: prefix,
    PASSWORD_SCRYPT_LOG2_COST: '10',
  });
  commandApiPids.add(secondInstance.pid!);
  byConcurrency.c64TwoInstances = await runMix(64);
  await nats.close();
  return {
    passwordScryptLog2Cost: 10,
    mix: 'RegisterUser, AddUserToGroup, RegisterCertificate, RevokeCertificate',
    ...byConcurrency,
  };
}

// ---- 4. Projection: catch-up and live lag ------------------------------------------------------------

function event(
  streamId: string,
  revision: number,
  type: string,
  data: JsonObject,
  actorId: string,
  occurredAt: string,
): EventToAppend {
  const commandId = randomUUID();
  return {
    id: eventIdFor(commandId, `${streamId}/${revision}`),
    type,
    data,
    metadata: { commandId, actorId, occurredAt, schemaVersion: 1 },
  };
}

/** 200,000 events a real deployment would have written: users joining "users", certificates and revocations. */
async function seedLog(store: PostgresEventStore, total: number): Promise<void> {
  const admin = randomUUID();
  const at = new Date().toISOString();
  await store.append(
    `user-${admin}`,
    [
      event(
        `user-${admin}`,
        0,
        'UserRegistered',
        {
          userId: admin,
          username: 'admin',
          email: 'admin@example.com',
          passwordHash: 'scrypt$x',
          registration: 'bootstrap',
        },
        admin,
        at,
      ),
    ],
    { expectedRevision: 'no_stream' },
  );
  await store.append(
    'group-users',
    [
      event(
        'group-users',
        0,
        'GroupCreated',
        { groupId: USERS_GROUP_ID, name: 'users', description: null, system: true },
        admin,
        at,
      ),
    ],
    { expectedRevision: 'no_stream' },
  );
  await store.append(
    `user-${admin}`,
    [
      event(
        `user-${admin}`,
        1,
        'UserAddedToGroup',
        { userId: admin, groupName: 'users', groupId: USERS_GROUP_ID },
        admin,
        at,
      ),
    ],
    { expectedRevision: 0n },
  );
  const perUser = 5;
  let next = 0;
  const users = Math.floor((total - 3) / perUser);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < users) {
        const index = next++;
        const userId = randomUUID();
        const certificateId = randomUUID();
        const stream = `user-${userId}`;
        await store.append(
          stream,
          [
            event(
              stream,
              0,
              'UserRegistered',
              {
                userId,
                username: `user${index}`,
                email: `user${index}@example.com`,
                passwordHash: 'scrypt$N=32768,r=8,p=1$c2FsdA==$aGFzaA==',
                registration: 'standard',
              },
              admin,
              at,
            ),
            event(
              stream,
              1,
              'UserAddedToGroup',
              { userId, groupName: 'users', groupId: USERS_GROUP_ID },
              admin,
              at,
            ),
            event(stream, 2, 'UserProfileUpdated', { userId, username: `user-${index}` }, admin, at),
          ],
          { expectedRevision: 'no_stream' },
        );
        const certificate = `certificate-${certificateId}`;
        await store.append(
          certificate,
          [
            event(
              certificate,
              0,
              'CertificateRegistered',
              {
                certificateId,
                userId,
                certificateData: 'PEM',
                serialNumber: '01',
                subject: 'CN=x',
                issuer: 'CN=x',
                notBefore: at,
                notAfter: at,
                fingerprintSha256: 'AA',
              },
              admin,
              at,
            ),
            event(certificate, 1, 'CertificateRevoked', { certificateId, reason: 'superseded' }, admin, at),
          ],
          { expectedRevision: 'no_stream' },
        );
      }
    }),
  );
}

async function projection(batchedInsertRowsPerSecond: number) {
  const events = await database('bench_proj_events');
  const read = await database('bench_proj_read');
  const store = await PostgresEventStore.connect({ url: events.url, poolSize: 20 });
  const total = Number(process.env.BENCH_PROJECTION_EVENTS ?? 200_000);
  log(`seeding ${total} events`);
  await seedLog(store, total);
  const pool = new Pool({ connectionString: read.url, max: 2 });
  const db = new Kysely<Certm3ReadModel>({ dialect: new PostgresDialect({ pool }) });
  await migrateReadModel(db as Kysely<unknown>, 'certm3');
  log('rebuilding the certm3 tables from the log');
  const cpuGroups = {
    projector: (pid: number) => pid === process.pid,
    postgres: (_pid: number, name: string) => name === 'postgres',
    other: () => true,
  };
  const cpuBefore = readCpu(cpuGroups);
  const started = performance.now();
  const applied = await replayInto(store, db, 'certm3', { batchSize: 1_000 });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, readCpu(cpuGroups), applied / 1_000, cpus().length);
  const catchUp = {
    events: applied,
    seconds: round(seconds),
    eventsPerSecond: round(applied / seconds, 0),
    machineBusy: cpu.machineBusy,
    cpuMsPer1000Events: cpu.msPerOperation,
  };

  // Replay: the audit export over the same 200k events, and state-at on a 10,000-event stream.
  log('exporting the log');
  const exportStarted = performance.now();
  const exported = await exportLog(store, {}, () => undefined);
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  const longStream = `user-${randomUUID()}`;
  const userId = longStream.slice(5);
  const at = new Date().toISOString();
  const longEvents: EventToAppend[] = [
    event(
      longStream,
      0,
      'UserRegistered',
      {
        userId,
        username: 'long',
        email: 'long@example.com',
        passwordHash: 'scrypt$x',
        registration: 'standard',
      },
      userId,
      at,
    ),
  ];
  for (let revision = 1; revision < 10_000; revision++)
    longEvents.push(
      event(longStream, revision, 'UserProfileUpdated', { userId, username: `long-${revision}` }, userId, at),
    );
  for (let offset = 0; offset < longEvents.length; offset += 1_000) {
    await store.append(longStream, longEvents.slice(offset, offset + 1_000), {
      expectedRevision: offset === 0 ? 'no_stream' : BigInt(offset - 1),
    });
  }
  const stateStarted = performance.now();
  await stateAt(store, 'user', userId, new Date(Date.now() + 60_000));
  const stateAtMs = round(performance.now() - stateStarted);

  await db.destroy();
  await store.close();
  return {
    catchUp: { ...catchUp, ratioToBatchedInsert: ratio(catchUp.eventsPerSecond, batchedInsertRowsPerSecond) },
    replay: {
      exportEventsPerSecond: round(exported.exported / exportSeconds, 0),
      exportedEvents: exported.exported,
      stateAtOn10000EventStreamMs: stateAtMs,
    },
  };
}

async function liveLag() {
  const events = await database('bench_live_events');
  const read = await database('bench_live_read');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  await startApp('command-api', {
    EVENT_STORE_URL: events.url,
    NATS_SUBJECT_PREFIX: prefix,
    PASSWORD_SCRYPT_LOG2_COST: '10',
  });
  await startApp('projector', { EVENT_STORE_URL: events.url, CERTM3_DATABASE_URL: read.url });
  const nats = await connect({ servers: NATS_URL });
  const sender = new Sender(nats, prefix, undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      sender.actorId = (
        await sender.send('BootstrapAdministrator', {
          username: 'admin',
          email: 'admin@example.com',
          password: 'bench password 1234',
        })
      ).id;
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  // A pool: many lag probes poll at once.
  const reader = new Pool({ connectionString: read.url, max: 4 });
  const rate = 500;
  const seconds = 8;
  const lags: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due) {
      const index = sent++;
      const name = `live-${index}-${randomUUID().slice(0, 6)}`;
      pending.push(
        sender.send('CreateGroup', { name }).then(
          async () => {
            if (index % 10 !== 0) return;
            const committed = performance.now();
            for (;;) {
              const { rowCount } = await reader.query('SELECT 1 FROM certm3.groups WHERE name = $1', [name]);
              if (rowCount) break;
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
            lags.push(performance.now() - committed);
          },
          () => void failed++,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  const achieved = round(sent / ((performance.now() - started) / 1000), 0);
  await reader.end();
  await nats.close();
  return {
    targetCommandsPerSecond: rate,
    achievedCommandsPerSecond: achieved,
    failed,
    samples: lags.length,
    ...percentiles(lags),
  };
}

// ---- Run -----------------------------------------------------------------------------------------------

async function postgresVersion(): Promise<string> {
  const client = new Client({
    connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  return rows[0].server_version;
}

/** BENCH_ONLY=append,command,projection,live runs just those stages (for profiling); it prints JSON only. */
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const runs = (stage: string) => only.size === 0 || only.has(stage);

async function main() {
  const began = performance.now();
  results.machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: await postgresVersion(),
  };
  log('raw PostgreSQL baselines');
  const postgres = await postgresBaselines();
  let nats: Awaited<ReturnType<typeof natsBaselines>> | undefined;
  if (runs('nats')) {
    log('raw NATS baselines');
    nats = await natsBaselines();
  }
  results.baselines = { postgres, nats };
  let append: Awaited<ReturnType<typeof eventStoreAppend>> | undefined;
  if (runs('append') || runs('command')) {
    log('event store append through the port');
    append = await eventStoreAppend();
    results.eventStoreAppend = {
      ...append,
      ratioToSingleRowInsertC1: ratio(append.c1.perSecond, postgres.singleRowInsert.c1.perSecond),
      ratioToSingleRowInsertC32: ratio(append.c32.perSecond, postgres.singleRowInsert.c32.perSecond),
    };
  }
  if (runs('command')) {
    log('command path over NATS');
    const commands = await commandPath(append!);
    results.commandPath = commands;
    if (nats) {
      // A command costs at least one NATS request-reply and one append, and each baseline alone takes the
      // whole machine, so their costs add: a service doing nothing else could not beat 1/(1/NATS + 1/append).
      // This says how much of the command-path target is reachable at all.
      const commandRates = commands as unknown as Record<'c1' | 'c64', { perSecond: number }>;
      results.commandPathCeiling = Object.fromEntries(
        (['c1', 'c64'] as const).map((key) => {
          const perSecond = round(1 / (1 / nats![key].perSecond + 1 / append![key].perSecond), 0);
          return [
            key,
            {
              perSecond,
              ratioToEventStoreAppend: ratio(perSecond, append![key].perSecond),
              commandPathShare: ratio(commandRates[key].perSecond, perSecond),
            },
          ];
        }),
      );
    }
  }
  if (runs('projection')) {
    log('projection catch-up and replay');
    const projected = await projection(postgres.batchedInsert500.rowsPerSecond);
    results.projectionCatchUp = projected.catchUp;
    results.replay = projected.replay;
  }
  if (runs('live')) {
    log('live projection lag at 500 commands/s');
    results.liveLag = await liveLag();
  }
  results.totalSeconds = round((performance.now() - began) / 1000, 1);
}

function printTable(): void {
  const r = results as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const rows: [string, string, string][] = [
    [
      'PostgreSQL single-row INSERT, 1 conn',
      `${r.baselines.postgres.singleRowInsert.c1.perSecond}/s`,
      'baseline',
    ],
    [
      'PostgreSQL single-row INSERT, 32 conns',
      `${r.baselines.postgres.singleRowInsert.c32.perSecond}/s`,
      'baseline',
    ],
    [
      'PostgreSQL 500-row INSERT',
      `${r.baselines.postgres.batchedInsert500.rowsPerSecond} rows/s`,
      'baseline',
    ],
    ['PostgreSQL COPY', `${r.baselines.postgres.copy.rowsPerSecond} rows/s`, 'baseline'],
    ['NATS request-reply, 1 in flight', `${r.baselines.nats.c1.perSecond}/s`, 'baseline'],
    ['NATS request-reply, 64 in flight', `${r.baselines.nats.c64.perSecond}/s`, 'baseline'],
    [
      'event store append, 1 writer',
      `${r.eventStoreAppend.c1.perSecond}/s p50 ${r.eventStoreAppend.c1.p50Ms} p99 ${r.eventStoreAppend.c1.p99Ms} ms`,
      `${r.eventStoreAppend.ratioToSingleRowInsertC1} of INSERT c1`,
    ],
    [
      'event store append, 32 writers',
      `${r.eventStoreAppend.c32.perSecond}/s p50 ${r.eventStoreAppend.c32.p50Ms} p99 ${r.eventStoreAppend.c32.p99Ms} ms`,
      `${r.eventStoreAppend.ratioToSingleRowInsertC32} of INSERT c32 (target 0.6)`,
    ],
    ...['c1', 'c16', 'c64'].map((key): [string, string, string] => [
      `command path, ${r.commandPath[key].concurrency} in flight`,
      `${r.commandPath[key].perSecond}/s p50 ${r.commandPath[key].p50Ms} p99 ${r.commandPath[key].p99Ms} p999 ${r.commandPath[key].p999Ms} ms`,
      `${r.commandPath[key].ratioToEventStoreAppend} of append${key === 'c64' ? ' (target 0.6, p99 50 ms)' : ''}`,
    ]),
    [
      'CPU per command, 64 in flight',
      `API ${r.commandPath.c64.cpuMsPerCommand.commandApi} PostgreSQL ${r.commandPath.c64.cpuMsPerCommand.postgres} NATS ${r.commandPath.c64.cpuMsPerCommand.natsServer} load ${r.commandPath.c64.cpuMsPerCommand.loadGenerator} ms`,
      `cores ${Math.round(r.commandPath.c64.machineBusy * 100)}% busy`,
    ],
    [
      'ceiling: NATS + append alone, 64 in flight',
      `${r.commandPathCeiling.c64.perSecond}/s`,
      `${r.commandPathCeiling.c64.ratioToEventStoreAppend} of append; command path at ${r.commandPathCeiling.c64.commandPathShare} of it`,
    ],
    [
      'command path, 64 in flight, 2 instances',
      `${r.commandPath.c64TwoInstances.perSecond}/s p50 ${r.commandPath.c64TwoInstances.p50Ms} p99 ${r.commandPath.c64TwoInstances.p99Ms} p999 ${r.commandPath.c64TwoInstances.p999Ms} ms`,
      `${r.commandPath.c64TwoInstances.ratioToEventStoreAppend} of append`,
    ],
    [
      'projection catch-up (200k events)',
      `${r.projectionCatchUp.eventsPerSecond} events/s (cores ${Math.round(r.projectionCatchUp.machineBusy * 100)}% busy)`,
      `${r.projectionCatchUp.ratioToBatchedInsert} of 500-row INSERT (target 0.15)`,
    ],
    [
      'live lag at 500 commands/s',
      `p50 ${r.liveLag.p50Ms} p99 ${r.liveLag.p99Ms} ms (achieved ${r.liveLag.achievedCommandsPerSecond}/s)`,
      'target p99 100 ms',
    ],
    ['audit export', `${r.replay.exportEventsPerSecond} events/s`, 'target 50,000/s'],
    ['state-at, 10,000-event stream', `${r.replay.stateAtOn10000EventStreamMs} ms`, ''],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  const second = Math.max(...rows.map((row) => row[1].length));
  process.stdout.write(
    `\ncertm3 benchmark — ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}\n\n`,
  );
  for (const [name, value, note] of rows)
    process.stdout.write(`${name.padEnd(width)}  ${value.padEnd(second)}  ${note}\n`);
  process.stdout.write(`\n(${r.totalSeconds} s; bench/results/latest.json has every figure)\n`);
}

main()
  .then(() => {
    if (only.size > 0) return void process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'latest.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), ...results }, null, 2)}\n`,
    );
    printTable();
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const database of scratch) await database.drop().catch(() => undefined);
    process.exit();
  });
