import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import {
  collect,
  parsePosition,
  PostgresEventStore,
  RecordedEvent,
  serializePosition,
} from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { applyEventsInTransaction, UnknownEventPolicy } from '../batch/apply-batch';
import { readModelKit, ReadModel } from '../model/define-read-model';
import { ReadModelRunner } from '../runner/read-model-runner';
import { prepareReadModel } from '../schema/prepare-read-model';
import { integer, uuid, varchar } from '../tables/column';
import { defineTable } from '../tables/define-table';
import {
  activeTeams,
  readingsProjection,
  SampleEvent,
  sampleModel,
  teamMembers,
  teams,
  teamsProjection,
} from '../testing/sample-model.fixture';
import { rebuildReadModel } from './rebuild';
import { verifyReadModel } from './verify';

/** An event log and a read database of its own, for one scenario of rebuild and verify. */
function scenario(name: string) {
  const it = {
    events: undefined as unknown as ScratchDatabase,
    read: undefined as unknown as ScratchDatabase,
    store: undefined as unknown as PostgresEventStore,
    pool: undefined as unknown as Pool,
    db: undefined as unknown as Kysely<unknown>,
    client: undefined as unknown as Client,
    runners: [] as ReadModelRunner[],
  };
  beforeAll(async () => {
    [it.events, it.read] = await Promise.all([
      createScratchDatabase(`projection_${name}_events`),
      createScratchDatabase(`projection_${name}_read`),
    ]);
    it.store = await PostgresEventStore.connect({ url: it.events.url, poolSize: 3 });
    it.pool = new Pool({ connectionString: it.read.url, max: 3 });
    it.db = new Kysely({ dialect: new PostgresDialect({ pool: it.pool }) });
    it.client = await connect(it.read.url);
  });
  afterAll(async () => {
    await Promise.all(it.runners.map((runner) => runner.stop()));
    await it.client?.end();
    await it.db?.destroy();
    // kysely ends the pool only if it ever ran a query on it.
    if (it.pool && !it.pool.ended) await it.pool.end();
    await it.store?.close();
    await Promise.all([it.events?.drop(), it.read?.drop()]);
  });
  return it;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  // A test below kills its connection: the client's 'error' event must not end the test run.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const append = (
  store: PostgresEventStore,
  type: string,
  data: Record<string, unknown>,
  occurredAt = '2026-11-29T04:00:00.000Z',
) =>
  store.append(
    `stream-${randomUUID()}`,
    [{ id: randomUUID(), type, data: data as never, metadata: { occurredAt } }],
    { expectedRevision: 'no_stream' },
  );
const teamCreated = (store: PostgresEventStore, code: string, teamId = randomUUID()) =>
  append(store, 'TeamCreated', { teamId, code, name: code, settings: {} });

/** The live tables projected from the whole log, as the runner would (one batch). */
async function projectLive(
  db: Kysely<unknown>,
  store: PostgresEventStore,
  model: ReadModel,
  policy: UnknownEventPolicy = 'halt',
): Promise<RecordedEvent[]> {
  const events = await collect(store.readAll());
  await db
    .transaction()
    .execute((trx) => applyEventsInTransaction(trx, model, model.liveLayout, events, policy));
  return events;
}

async function waitFor(condition: () => boolean | Promise<boolean>, describe: () => string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not in time: ${describe()}`);
}

describe('rebuild and verify: the checkpoint and skipped events', () => {
  const model = sampleModel();
  const it$ = scenario('rebuild_checkpoint');
  const checkpoint = async () =>
    (
      await it$.pool.query(
        `SELECT position, fingerprint, sample.has_applied(position) AS applied FROM sample.projector_checkpoint`,
      )
    ).rows[0];

  // Regression: the replay dropped an operator-skipped event before it reached a batch, so the copy's
  // checkpoint stopped short of a skipped event at the end of the log and the rebuild copied that over the
  // live checkpoint: it went back (1223820/31 → 1223814/30, has_applied true → false), and the restarted
  // runner halted on the skipped event again.
  beforeAll(() => prepareReadModel(it$.client, model));

  it('keeps the checkpoint past events an operator skipped at the end of the log', async () => {
    await teamCreated(it$.store, 'alpha');
    const ghost = await append(it$.store, 'TeamRenamed', { teamId: randomUUID(), name: 'nobody' });
    const ghostPosition = serializePosition(ghost.position);
    const halting = new ReadModelRunner({ model, store: it$.store, databaseUrl: it$.read.url });
    it$.runners.push(halting);
    halting.start();
    await waitFor(
      () => halting.status().halted !== null,
      () => JSON.stringify(halting.status()),
    );
    expect(halting.skip(ghostPosition)).toBe(true);
    await waitFor(
      () => halting.status().checkpoint === ghostPosition,
      () => JSON.stringify(halting.status()),
    );
    await halting.stop();
    expect(await checkpoint()).toEqual({
      position: ghostPosition,
      fingerprint: model.fingerprint,
      applied: true,
    });

    const report = await rebuildReadModel({ client: it$.client, model, store: it$.store });

    expect(report.checkpoint).toBe(ghostPosition);
    expect(await checkpoint()).toEqual({
      position: ghostPosition,
      fingerprint: model.fingerprint,
      applied: true,
    });
    const again = new ReadModelRunner({ model, store: it$.store, databaseUrl: it$.read.url });
    it$.runners.push(again);
    again.start();
    await teamCreated(it$.store, 'omega');
    await waitFor(
      async () =>
        again.status().halted !== null ||
        (await it$.pool.query(`SELECT 1 FROM teams WHERE code = 'omega'`)).rowCount === 1,
      () => JSON.stringify(again.status()),
    );
    expect(again.status()).toMatchObject({ role: 'active', halted: null });
    await again.stop();
  });

  // Regression: verify read every differing row into memory, though it reports five of each side.
  it('counts the differing rows in the database and reads five of each side', async () => {
    for (let index = 0; index < 20; index++) await teamCreated(it$.store, `bulk-${index}`);
    await projectLive(it$.db, it$.store, model);
    await it$.pool.query(`UPDATE teams SET name = name || ' (tampered)' WHERE code LIKE 'bulk-%'`);
    const comparisons: number[] = [];
    const query = it$.client.query.bind(it$.client) as (...args: unknown[]) => Promise<{ rows: unknown[] }>;
    const watched = Object.assign(Object.create(it$.client) as Client, {
      query: async (...args: unknown[]) => {
        const result = await query(...args);
        if (typeof args[0] === 'string' && args[0].includes('EXCEPT ALL'))
          comparisons.push(result.rows.length);
        return result;
      },
    });

    const report = await verifyReadModel({ client: watched, model, store: it$.store });

    expect(report.differences).toEqual([
      expect.objectContaining({ table: 'teams', onlyInLive: 20, onlyInRebuilt: 20 }),
    ]);
    const samples = report.differences[0].samples;
    expect(samples.filter((sample) => sample.side === 'live')).toHaveLength(5);
    expect(samples.filter((sample) => sample.side === 'rebuilt')).toHaveLength(5);
    expect(comparisons.length).toBeGreaterThan(0);
    expect(Math.max(...comparisons)).toBeLessThanOrEqual(5);
    await rebuildReadModel({ client: it$.client, model, store: it$.store });
    expect((await verifyReadModel({ client: it$.client, model, store: it$.store })).differences).toEqual([]);
  });

  // Regression: the prefix that drops what a killed operation left (`sample_rebuild_`) also matched the
  // schemas of a model named `sample_rebuild_other` in the same database, and dropped them.
  it("drops its own leftover scratch schemas and never another model's schemas", async () => {
    const other = sampleModel('sample_rebuild_other', { tablesSchema: 'sample_rebuild_other_tables' });
    await prepareReadModel(it$.client, other);
    await it$.pool.query(`CREATE SCHEMA "sample__rebuild_1764000000000_abcdef"`);
    await it$.pool.query(`CREATE SCHEMA "sample_verify_1764000000000_abcdef"`);

    await rebuildReadModel({ client: it$.client, model, store: it$.store });
    await verifyReadModel({ client: it$.client, model, store: it$.store });

    const { rows } = await it$.pool.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sample%' ORDER BY nspname`,
    );
    expect(rows.map((row) => row.nspname)).toEqual([
      'sample',
      'sample_rebuild_other',
      'sample_rebuild_other_tables',
    ]);
  });

  // Regression: when the connection died during a rebuild, dropping the scratch schema and releasing the
  // advisory lock failed too, and their error ("not queryable") replaced the one that said what went wrong.
  it('reports why it failed when its connection died, and the next rebuild drops what it left', async () => {
    const client = await connect(it$.read.url);
    const failure = rebuildReadModel({
      client,
      model,
      store: it$.store,
      onStage: async (stage) => {
        if (stage !== 'replayed') return;
        await it$.pool.query('SELECT pg_terminate_backend($1)', [
          (client as Client & { processID: number }).processID,
        ]);
        throw new Error('injected failure: the connection is gone');
      },
    });
    await expect(failure).rejects.toThrow(/^injected failure: the connection is gone$/);
    await failure.catch((error: { cleanupErrors?: unknown[] }) =>
      expect(error.cleanupErrors?.length).toBeGreaterThan(0),
    );
    await client.end().catch(() => undefined);

    await rebuildReadModel({ client: it$.client, model, store: it$.store });
    const { rows } = await it$.pool.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sample\\_\\_%'`,
    );
    expect(rows).toEqual([]);
  });
});

describe('rebuild: an empty log', () => {
  const model = sampleModel('empty_log');
  const it$ = scenario('rebuild_empty');

  // Regression: the fingerprint was stamped only by copying the copy's checkpoint row, which a copy of an
  // empty log (or of a log of skipped events) does not have: the model rebuilt on every start.
  it('stamps the fingerprint although the copy has no checkpoint', async () => {
    await prepareReadModel(it$.client, model);
    await it$.pool.query(
      `INSERT INTO empty_log.projector_checkpoint (projection, position, updated_at, fingerprint)
       VALUES ('empty_log', NULL, now(), 'of-an-older-definition')`,
    );
    const report = await rebuildReadModel({ client: it$.client, model, store: it$.store });
    expect(report).toMatchObject({ events: 0, checkpoint: null });
    expect(
      (await it$.pool.query(`SELECT position, fingerprint FROM empty_log.projector_checkpoint`)).rows,
    ).toEqual([{ position: null, fingerprint: model.fingerprint }]);
  });
});

/** Seats: a unique number (not text), and a unique label a CHECK keeps to lower-case letters. */
type SeatEvent = { type: 'SeatTaken'; data: { seatId: string; number: number; label: string } };
const seatsKit = readModelKit<SeatEvent>();
const seats = defineTable('seats', {
  columns: {
    id: uuid().primaryKey(),
    number: integer().notNull().unique(),
    label: varchar(12).notNull().unique(),
  },
  checks: { seats_label_letters: "label ~ '^[a-z]+$'" },
});
const seatsModel = seatsKit.defineReadModel({
  name: 'seats',
  database: { setting: 'SEATS_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/seats' },
  projections: [
    seatsKit.defineProjection({
      name: 'seats',
      tables: [seats],
      handlers: {
        SeatTaken: (event, rows) => [
          rows.insert('seats', { id: event.data.seatId, number: event.data.number, label: event.data.label }),
        ],
      },
    }),
  ],
  ignores: [],
  projectionVersion: 1,
});

describe('rebuild: rows trading values of a unique index it cannot move aside', () => {
  const it$ = scenario('rebuild_refused');
  const [first, second] = [randomUUID(), randomUUID()].sort();
  const state = async () => ({
    seats: (await it$.pool.query(`SELECT id, number, label FROM seats ORDER BY id`)).rows,
    checkpoint: (await it$.pool.query(`SELECT position, fingerprint FROM seats.projector_checkpoint`)).rows,
    scratch: (await it$.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'seats\\_\\_%'`))
      .rows,
  });
  /** Gives the two seats each other's `column` in the live table, as a stray writer might. */
  const trade = async (column: 'number' | 'label', aside: string) => {
    const value = async (id: string) =>
      (await it$.pool.query(`SELECT ${column}::text AS value FROM seats WHERE id = $1`, [id])).rows[0].value;
    const [ours, theirs] = [await value(first), await value(second)];
    const set = (id: string, to: string) =>
      it$.pool.query(`UPDATE seats SET ${column} = $2 WHERE id = $1`, [id, to]);
    await set(first, aside);
    await set(second, ours);
    await set(first, theirs);
  };

  beforeAll(async () => {
    await prepareReadModel(it$.client, seatsModel);
    await append(it$.store, 'SeatTaken', { seatId: first, number: 1, label: 'aisle' });
    await append(it$.store, 'SeatTaken', { seatId: second, number: 2, label: 'window' });
    await projectLive(it$.db, it$.store, seatsModel);
    await it$.pool.query(`UPDATE seats.projector_checkpoint SET fingerprint = $1`, [seatsModel.fingerprint]);
  });

  // Regression: on a unique-key collision the rebuild deleted every differing row and inserted it again,
  // which deleted what referenced them (a dashboard's rows, by a cascading foreign key) and fired its
  // triggers, and reported the rows as "updated". Where the rows cannot be moved aside to temporary values,
  // the rebuild must refuse, name the rows and the index, and change nothing.
  it('refuses, naming the rows and the index, and changes nothing, when the index has no text column', async () => {
    await trade('number', '100');
    const before = await state();

    await expect(
      rebuildReadModel({ client: it$.client, model: seatsModel, store: it$.store }),
    ).rejects.toThrow(
      new RegExp(
        `^rebuild of read model seats refused, nothing changed .*rows of seats \\(id=${first}; id=${second}\\) take each other's values of unique index seats_number_key.*needs a text column`,
      ),
    );
    expect(await state()).toEqual(before);
    await trade('number', '100');
  });

  it('refuses, and changes nothing, when the temporary values would break a CHECK of the table', async () => {
    await trade('label', 'middle');
    const before = await state();

    await expect(
      rebuildReadModel({ client: it$.client, model: seatsModel, store: it$.store }),
    ).rejects.toThrow(
      /unique index seats_label_key.*moving them aside to temporary values failed: .*violates check constraint "seats_label_letters"/,
    );
    expect(await state()).toEqual(before);
  });

  // A refused rebuild at start-up is not the database being unavailable: it is not replayed again and again.
  it('leaves the runner not projecting, saying why, when its own rebuild at start is refused', async () => {
    await trade('number', '100');
    await it$.pool.query(`UPDATE seats.projector_checkpoint SET fingerprint = 'of-an-older-definition'`);
    const rebuilds = jest.spyOn(Logger.prototype, 'warn');
    const runner = new ReadModelRunner({
      model: seatsModel,
      store: it$.store,
      databaseUrl: it$.read.url,
      haltedRetryMs: 60_000,
    });
    it$.runners.push(runner);
    runner.start();
    try {
      await waitFor(
        () => runner.status().lastError !== null && runner.status().role === 'starting',
        () => JSON.stringify(runner.status()),
      );
      expect(runner.status()).toMatchObject({ role: 'starting', halted: null });
      expect(runner.status().lastError).toMatch(
        /^rebuilding the tables for the changed definition failed: rebuild of read model seats refused/,
      );
      await expect(runner.health()).rejects.toThrow(/refused/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const attempts = rebuilds.mock.calls.filter(([entry]) =>
        (entry as { message?: string }).message?.startsWith('the definition changed'),
      );
      expect(attempts).toHaveLength(1);
    } finally {
      rebuilds.mockRestore();
      await runner.stop();
    }
  });
});

/** The sample model of a later release, which knows an event type the one before did not. */
type LaterEvent = SampleEvent | { type: 'TeamSuspended'; data: { teamId: string } };
const laterKit = readModelKit<LaterEvent>();
const knowing = laterKit.defineReadModel({
  name: 'policy',
  database: { setting: 'POLICY_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/policy' },
  projections: [
    laterKit.defineProjection({
      name: 'teams',
      tables: [teams, teamMembers],
      handlers: {
        ...teamsProjection.handlers,
        TeamSuspended: (event, rows) => [
          rows.update(
            'teams',
            { id: event.data.teamId },
            { status: 'archived', updated_at: String(event.metadata.occurredAt) },
          ),
        ],
      },
    }),
    readingsProjection,
  ],
  ignores: ['Pinged'],
  views: [activeTeams],
  projectionVersion: 2,
});

describe('rebuild and verify: events the unknown-event policy skipped', () => {
  const unaware = sampleModel('policy');
  const it$ = scenario('rebuild_policy');
  const team = randomUUID();
  const observed = async () => ({
    status: (await it$.pool.query(`SELECT status FROM teams WHERE id = $1`, [team])).rows[0]?.status,
    skipped: (await it$.pool.query(`SELECT event_type, reason FROM policy.projector_skipped_events`)).rows,
  });

  // Regression: events skipped under UNKNOWN_EVENT_POLICY=skip were left out of every later rebuild and
  // verify for good: after an upgrade that handles their type (projectionVersion raised) the rebuild still
  // left them out, and verify called the tables equal.
  it('judges them again: skipped again (recorded once) while unknown, applied once their type is known', async () => {
    await prepareReadModel(it$.client, unaware);
    await teamCreated(it$.store, 'ops', team);
    const suspended = await append(it$.store, 'TeamSuspended', { teamId: team }, '2026-11-30T04:00:00.000Z');
    await projectLive(it$.db, it$.store, unaware, 'skip');
    const recorded = [{ event_type: 'TeamSuspended', reason: 'unknown event type (policy: skip)' }];
    expect(await observed()).toEqual({ status: 'active', skipped: recorded });

    await rebuildReadModel({
      client: it$.client,
      model: unaware,
      store: it$.store,
      unknownEventPolicy: 'skip',
    });
    expect(await observed()).toEqual({ status: 'active', skipped: recorded });

    // The release that knows the type: the live tables lack what it would have done, and verify says so.
    const verified = await verifyReadModel({ client: it$.client, model: knowing, store: it$.store });
    expect(verified.differences).toEqual([
      expect.objectContaining({ table: 'teams', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    const report = await rebuildReadModel({ client: it$.client, model: knowing, store: it$.store });
    expect(report.checkpoint).toBe(serializePosition(suspended.position));
    expect(await observed()).toEqual({ status: 'archived', skipped: [] });
    expect(
      (await verifyReadModel({ client: it$.client, model: knowing, store: it$.store })).differences,
    ).toEqual([]);
    expect(parsePosition(report.checkpoint!)).toEqual(suspended.position);
  });
});
