import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { collect, parsePosition, PostgresEventStore, serializePosition } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { ProjectionError } from '../batch/apply-batch';
import {
  activeTeams,
  defineProjection,
  defineReadModel,
  readingsProjection,
  sampleModel,
  teamMembers,
  teams,
  teamsProjection,
} from '../testing/sample-model.fixture';
import { ProjectorMetrics } from './projector-metrics';
import { ReadModelRunner } from './read-model-runner';

/** The sample model before it had team_members: memberships were not its business yet. */
const teamsOnly = defineReadModel({
  name: 'growing',
  database: { setting: 'GROWING_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/growing' },
  projections: [
    defineProjection({
      name: 'teams',
      tables: [teams],
      handlers: {
        TeamCreated: teamsProjection.handlers.TeamCreated,
        TeamRenamed: teamsProjection.handlers.TeamRenamed,
        TeamArchived: teamsProjection.handlers.TeamArchived,
      },
    }),
  ],
  ignores: ['MemberJoined', 'MemberLeft', 'Pinged', 'ReadingTaken', 'ReadingCorrected'],
  projectionVersion: 1,
});
/** …and after: the same name, a table more. */
const withMembers = defineReadModel({
  name: 'growing',
  database: teamsOnly.database,
  projections: [teamsProjection],
  ignores: ['Pinged', 'ReadingTaken', 'ReadingCorrected'],
  views: [activeTeams],
  projectionVersion: 1,
});

/**
 * Scratch event store and read database for a describe block, the runners it starts (stopped at the end),
 * and an append of one event to a new stream.
 */
function runnerTestBed(prefix: string) {
  const bed = {
    events: undefined as unknown as ScratchDatabase,
    read: undefined as unknown as ScratchDatabase,
    store: undefined as unknown as PostgresEventStore,
    pool: undefined as unknown as Pool,
    runners: [] as ReadModelRunner[],
    start(runner: ReadModelRunner): ReadModelRunner {
      bed.runners.push(runner);
      runner.start();
      return runner;
    },
    append(type: string, data: Record<string, unknown>) {
      return bed.store.append(
        `team-${randomUUID()}`,
        [{ id: randomUUID(), type, data: data as never, metadata: { occurredAt: new Date().toISOString() } }],
        { expectedRevision: 'no_stream' },
      );
    },
  };
  beforeAll(async () => {
    [bed.events, bed.read] = await Promise.all([
      createScratchDatabase(`${prefix}_events`),
      createScratchDatabase(`${prefix}_read`),
    ]);
    bed.store = await PostgresEventStore.connect({ url: bed.events.url, poolSize: 3 });
    bed.pool = new Pool({ connectionString: bed.read.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(bed.runners.map((runner) => runner.stop()));
    await bed.pool?.end();
    await bed.store?.close();
    await Promise.all([bed.events?.drop(), bed.read?.drop()]);
  });
  return bed;
}

describe('the read model runner', () => {
  const bed = runnerTestBed('projection_runner');
  const { start, append } = bed;
  const caughtUp = async (runner: ReadModelRunner) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const { checkpoint, role } = runner.status();
      const from = checkpoint ? parsePosition(checkpoint) : 'start';
      const after = await collect(bed.store.readAll({ from, maxCount: 1 }));
      if (role === 'active' && after.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`not caught up: ${JSON.stringify(runner.status())}`);
  };

  it('back-fills a table the definition gained, by rebuilding the model itself before projecting live', async () => {
    const team = randomUUID();
    await append('TeamCreated', { teamId: team, code: 'ops', name: 'Ops', settings: {} });
    await append('MemberJoined', { teamId: team, memberId: randomUUID(), role: 'owner' });
    const before = start(
      new ReadModelRunner({ model: teamsOnly, store: bed.store, databaseUrl: bed.read.url }),
    );
    await caughtUp(before);
    const identity = (await bed.pool.query(`SELECT 'teams'::regclass::oid AS teams`)).rows;
    await before.stop();

    const warn = jest.spyOn(Logger.prototype, 'warn');
    const after = start(
      new ReadModelRunner({ model: withMembers, store: bed.store, databaseUrl: bed.read.url }),
    );
    await caughtUp(after);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'the definition changed since these tables were built; rebuilding them from the first event',
      }),
    );
    warn.mockRestore();
    expect((await bed.pool.query(`SELECT team_id, role FROM team_members`)).rows).toEqual([
      { team_id: team, role: 'owner' },
    ]);
    expect((await bed.pool.query(`SELECT members FROM active_teams`)).rows).toEqual([{ members: '1' }]);
    expect((await bed.pool.query(`SELECT 'teams'::regclass::oid AS teams`)).rows).toEqual(identity);
    expect((await bed.pool.query(`SELECT fingerprint FROM growing.projector_checkpoint`)).rows).toEqual([
      { fingerprint: withMembers.fingerprint },
    ]);
    await after.stop();
  });

  it('warns and counts when a merged batch falls back to one statement at a time', async () => {
    // While nothing projects, a batch's worth: a rename of a team that exists and of one that does not.
    const team = randomUUID();
    await append('TeamCreated', { teamId: team, code: 'dev', name: 'Dev', settings: {} });
    await append('TeamRenamed', { teamId: team, name: 'Development' });
    await append('TeamRenamed', { teamId: randomUUID(), name: 'Ghost' });
    const metrics = new ProjectorMetrics();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const runner = start(
      new ReadModelRunner({
        model: withMembers,
        store: bed.store,
        databaseUrl: bed.read.url,
        metrics,
        haltedRetryMs: 60_000,
      }),
    );
    for (let tries = 0; !runner.status().halted && tries < 1_000; tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runner.status().halted?.error).toContain('teams row id=');
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'a merged batch failed; applying it again one statement at a time',
        error: expect.objectContaining({ message: expect.stringContaining('row count') }),
      }),
    );
    warn.mockRestore();
    const text = await metrics.render();
    expect(text).toMatch(/^certm3_projector_batch_fallbacks_total\{model="growing"\} [1-9]\d*$/m);
    expect(text).toMatch(/^certm3_projector_halted\{model="growing"\} 1$/m);
    expect((await bed.pool.query(`SELECT name FROM teams WHERE id = $1`, [team])).rows).toEqual([
      { name: 'Development' },
    ]);
  });
});

/** The sample model as it was: every team welcome. */
const welcoming = sampleModel('rebuild_halts', { tablesSchema: 'rebuild_halts_tables' });
/** …and as it is now (its output changed, so it is rebuilt at start): teams called "poison-…" refused. */
const refusing = defineReadModel({
  name: 'rebuild_halts',
  database: welcoming.database,
  tablesSchema: 'rebuild_halts_tables',
  projections: [
    defineProjection({
      name: 'teams',
      tables: [teams, teamMembers],
      handlers: {
        ...teamsProjection.handlers,
        TeamCreated: (event, rows) => {
          if (event.data.code.startsWith('poison-')) throw new ProjectionError(`refuses ${event.data.code}`);
          return teamsProjection.handlers.TeamCreated(event, rows);
        },
      },
    }),
    readingsProjection,
  ],
  ignores: ['Pinged'],
  views: [activeTeams],
  projectionVersion: 2,
});

// Regression: an event the runner's own start-up rebuild could not apply was handled as "database
// unavailable": the runner stayed `starting`, halted null, replaying the whole log every ~10 s forever,
// certm3_projector_halted 0, and the skip endpoint answered 404 (no halted event to skip).
describe('the runner rebuilding at start, on an event it cannot apply', () => {
  const bed = runnerTestBed('projection_rebuild_halts');
  const { start, append } = bed;
  const created = (code: string) =>
    append('TeamCreated', { teamId: randomUUID(), code, name: code, settings: {} });
  const caughtUp = async (runner: ReadModelRunner) =>
    waitFor(
      async () => {
        const { checkpoint, role } = runner.status();
        const from = checkpoint ? parsePosition(checkpoint) : 'start';
        return role === 'active' && (await collect(bed.store.readAll({ from, maxCount: 1 }))).length === 0;
      },
      () => JSON.stringify(runner.status()),
    );
  const codes = async () =>
    (await bed.pool.query(`SELECT code FROM rebuild_halts_tables.teams ORDER BY code`)).rows.map(
      (row) => row.code,
    );

  it('halts on the event, visible in health and metrics, until an operator skips it; then the rebuild goes on', async () => {
    await created('alpha');
    const poison = await created('poison-1');
    await created('omega');
    const before = start(
      new ReadModelRunner({ model: welcoming, store: bed.store, databaseUrl: bed.read.url }),
    );
    await caughtUp(before);
    await before.stop();
    expect(await codes()).toEqual(['alpha', 'omega', 'poison-1']);

    const metrics = new ProjectorMetrics();
    const runner = start(
      new ReadModelRunner({
        model: refusing,
        store: bed.store,
        databaseUrl: bed.read.url,
        metrics,
        haltedRetryMs: 60_000,
      }),
    );
    await waitFor(
      () => runner.status().halted !== null,
      () => JSON.stringify(runner.status()),
    );
    const position = serializePosition(poison.position);
    expect(runner.status()).toMatchObject({
      role: 'rebuilding',
      halted: { position, type: 'TeamCreated', error: expect.stringContaining('refuses poison-1') },
    });
    await expect(runner.health()).rejects.toThrow(
      /^halted: cannot apply event TeamCreated .*refuses poison-1/,
    );
    const text = await metrics.render();
    expect(text).toMatch(/^certm3_projector_halted\{model="rebuild_halts"\} 1$/m);
    expect(text).toMatch(/^certm3_projector_active\{model="rebuild_halts"\} 1$/m);
    // The live tables are as they were while it waits: the rebuild changed nothing.
    expect(await codes()).toEqual(['alpha', 'omega', 'poison-1']);

    expect(runner.skip('1/1')).toBe(false);
    expect(runner.skip(position)).toBe(true);
    await caughtUp(runner);
    expect(runner.status()).toMatchObject({ halted: null, lastError: null });
    expect(await codes()).toEqual(['alpha', 'omega']);
    const bookkeeping = await bed.pool.query(
      `SELECT (SELECT fingerprint FROM rebuild_halts.projector_checkpoint) AS fingerprint,
              (SELECT json_agg(json_build_object('position', position, 'reason', reason)) FROM rebuild_halts.projector_skipped_events) AS skipped`,
    );
    expect(bookkeeping.rows).toEqual([
      { fingerprint: refusing.fingerprint, skipped: [{ position, reason: 'skipped by an operator' }] },
    ]);
    await runner.stop();

    // Started again, the model matches its definition: no rebuild, no halt, and what follows projects.
    const again = start(
      new ReadModelRunner({ model: refusing, store: bed.store, databaseUrl: bed.read.url, metrics }),
    );
    await created('zeta');
    await caughtUp(again);
    expect(await codes()).toEqual(['alpha', 'omega', 'zeta']);
    await again.stop();
  });

  // Regression: a scrape while the lag was being measured found none (the gauge said NaN).
  it('keeps the last lag measured for a scrape that comes while it is measured again', async () => {
    const metrics = new ProjectorMetrics();
    const runner = start(
      new ReadModelRunner({ model: refusing, store: bed.store, databaseUrl: bed.read.url, metrics }),
    );
    await caughtUp(runner);
    await metrics.render();
    const measuring = runner.lag();
    const scraped = metrics.registry.render();
    await measuring;
    expect(scraped).toMatch(/^certm3_projector_lag_events\{model="rebuild_halts"\} 0$/m);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, describe: () => string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not in time: ${describe()}`);
}
