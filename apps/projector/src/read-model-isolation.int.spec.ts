import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EVENT_TYPES, EventType } from '@certm3/domain';
import { defineTable, ProjectionError, ReadModelRunner, text, timestamp } from '@certm3/projection';
import { defineProjection, defineReadModel } from './read-models/kit';
import { caughtUp, ProjectorTestStack, waitUntil } from './testing/projector-test-stack';

/** A second model of the test's own, in the same database as certm3: group names, refusing "poison-" ones. */
const groupNames = defineTable('isolation_group_names', {
  columns: { name: text().primaryKey(), created_at: timestamp().notNull() },
});
const groupNamesModel = defineReadModel({
  name: 'isolation_test',
  database: {
    setting: 'ISOLATION_TEST_DATABASE_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/unused',
  },
  projections: [
    defineProjection({
      name: 'group names',
      tables: [groupNames],
      handlers: {
        GroupCreated: (event, rows) => {
          if (event.data.name.startsWith('poison-')) throw new ProjectionError(`refuses ${event.data.name}`);
          return [
            rows.insert('isolation_group_names', {
              name: event.data.name,
              created_at: String(event.metadata.occurredAt),
            }),
          ];
        },
      },
    }),
  ],
  ignores: EVENT_TYPES.filter((type) => type !== 'GroupCreated') as Exclude<EventType, 'GroupCreated'>[],
  projectionVersion: 1,
});

describe('one runner per read model: a halted or slow model never stops another', () => {
  let stack: ProjectorTestStack;
  let certm3: ReadModelRunner;
  let other: ReadModelRunner;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    certm3 = stack.runner();
    // Two models in one database: their locks, checkpoints and bookkeeping schemas are their own.
    other = new ReadModelRunner({
      model: groupNamesModel,
      store: stack.store,
      databaseUrl: stack.readDatabase.url,
      haltedRetryMs: 60_000,
    });
    certm3.start();
    other.start();
  });
  afterAll(async () => {
    await other?.stop();
    await stack?.stop();
  });

  const inCertm3 = async (name: string) =>
    (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [name])).rowCount === 1;
  const inOther = async (name: string) =>
    (await stack.pool.query('SELECT 1 FROM isolation_group_names WHERE name = $1', [name])).rowCount === 1;

  it('keeps projecting one model while the other waits on a lock of its table', async () => {
    await stack.command('CreateGroup', { name: 'both' });
    await caughtUp(certm3, stack.store);
    await caughtUp(other, stack.store);
    expect(await inOther('both')).toBe(true);

    const blocker = new Client({ connectionString: stack.readDatabase.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      // SHARE blocks the other model's inserts without giving the blocker a transaction id: the event store
      // holds back every subscriber behind the oldest open transaction id on the server (ACCESS EXCLUSIVE
      // would take one), which is the event store's doing, not a model's.
      await blocker.query('LOCK TABLE isolation_group_names IN SHARE MODE');
      const { id } = await stack.command('CreateGroup', { name: `while-locked-${randomUUID().slice(0, 6)}` });
      await waitUntil(() => inCertm3(id));
      await waitUntil(
        async () =>
          (
            await stack.pool.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'certm3-projector:isolation_test'`,
            )
          ).rowCount === 1,
      );
      // The other model now waits inside a batch; what is written meanwhile still reaches certm3.
      const meanwhile = await stack.command('CreateGroup', { name: `meanwhile-${randomUUID().slice(0, 6)}` });
      await waitUntil(() => inCertm3(meanwhile.id));
      expect(await inOther(id)).toBe(false);
      await blocker.query('ROLLBACK');
      await waitUntil(() => inOther(meanwhile.id));
    } finally {
      await blocker.end();
    }
  });

  it('keeps projecting one model while the other is halted on an event it cannot apply', async () => {
    const poison = await stack.command('CreateGroup', { name: `poison-${randomUUID().slice(0, 6)}` });
    await waitUntil(() => other.status().halted !== null);
    expect(other.status().halted?.error).toContain(`refuses ${poison.id}`);
    const later = await stack.command('CreateGroup', { name: `later-${randomUUID().slice(0, 6)}` });
    await waitUntil(() => inCertm3(later.id));
    await caughtUp(certm3, stack.store);
    expect(await inCertm3(poison.id)).toBe(true);
    expect(await inOther(later.id)).toBe(false);
    await expect(other.health()).rejects.toThrow(/^halted: cannot apply event GroupCreated/);
    expect(await certm3.health()).toMatchObject({ role: 'active', lagEvents: 0 });

    expect(other.skip(other.status().halted!.position)).toBe(true);
    await waitUntil(() => inOther(later.id));
    const checkpoints = await stack.pool.query(
      `SELECT (SELECT position FROM certm3.applied_position) AS certm3, (SELECT position FROM isolation_test.applied_position) AS other`,
    );
    expect(checkpoints.rows[0].certm3).toBeTruthy();
    expect(checkpoints.rows[0].other).toBeTruthy();
  });
});
