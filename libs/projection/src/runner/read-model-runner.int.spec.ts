import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { collect, parsePosition, PostgresEventStore } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import {
  activeTeams,
  defineProjection,
  defineReadModel,
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
  ignores: ['MemberJoined', 'MemberLeft', 'Pinged'],
  projectionVersion: 1,
});
/** …and after: the same name, a table more. */
const withMembers = defineReadModel({
  name: 'growing',
  database: teamsOnly.database,
  projections: [teamsProjection],
  ignores: ['Pinged'],
  views: [activeTeams],
  projectionVersion: 1,
});

describe('the read model runner', () => {
  let events: ScratchDatabase;
  let read: ScratchDatabase;
  let store: PostgresEventStore;
  let pool: Pool;
  const runners: ReadModelRunner[] = [];
  const start = (runner: ReadModelRunner) => (runners.push(runner), runner.start(), runner);

  beforeAll(async () => {
    [events, read] = await Promise.all([
      createScratchDatabase('projection_runner_events'),
      createScratchDatabase('projection_runner_read'),
    ]);
    store = await PostgresEventStore.connect({ url: events.url, poolSize: 3 });
    pool = new Pool({ connectionString: read.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await pool?.end();
    await store?.close();
    await Promise.all([events?.drop(), read?.drop()]);
  });

  const append = (type: string, data: Record<string, unknown>) =>
    store.append(
      `team-${randomUUID()}`,
      [{ id: randomUUID(), type, data: data as never, metadata: { occurredAt: new Date().toISOString() } }],
      {
        expectedRevision: 'no_stream',
      },
    );
  const caughtUp = async (runner: ReadModelRunner) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const { checkpoint, role } = runner.status();
      const from = checkpoint ? parsePosition(checkpoint) : 'start';
      const after = await collect(store.readAll({ from, maxCount: 1 }));
      if (role === 'active' && after.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`not caught up: ${JSON.stringify(runner.status())}`);
  };

  it('back-fills a table the definition gained, by rebuilding the model itself before projecting live', async () => {
    const team = randomUUID();
    await append('TeamCreated', { teamId: team, code: 'ops', name: 'Ops', settings: {} });
    await append('MemberJoined', { teamId: team, memberId: randomUUID(), role: 'owner' });
    const before = start(new ReadModelRunner({ model: teamsOnly, store, databaseUrl: read.url }));
    await caughtUp(before);
    const identity = (await pool.query(`SELECT 'teams'::regclass::oid AS teams`)).rows;
    await before.stop();

    const warn = jest.spyOn(Logger.prototype, 'warn');
    const after = start(new ReadModelRunner({ model: withMembers, store, databaseUrl: read.url }));
    await caughtUp(after);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'the definition changed since these tables were built; rebuilding them from the first event',
      }),
    );
    warn.mockRestore();
    expect((await pool.query(`SELECT team_id, role FROM team_members`)).rows).toEqual([
      { team_id: team, role: 'owner' },
    ]);
    expect((await pool.query(`SELECT members FROM active_teams`)).rows).toEqual([{ members: '1' }]);
    expect((await pool.query(`SELECT 'teams'::regclass::oid AS teams`)).rows).toEqual(identity);
    expect((await pool.query(`SELECT fingerprint FROM growing.projector_checkpoint`)).rows).toEqual([
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
        store,
        databaseUrl: read.url,
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
    expect((await pool.query(`SELECT name FROM teams WHERE id = $1`, [team])).rows).toEqual([
      { name: 'Development' },
    ]);
  });
});
