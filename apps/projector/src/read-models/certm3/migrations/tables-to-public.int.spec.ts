import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { eventIdFor, EventToAppend, JsonObject, PostgresEventStore, collect } from '@certm3/event-store';
import {
  applyEventsInTransaction,
  prepareReadModel,
  ReadModelRunner,
  skipEventInTransaction,
  verifyReadModel,
} from '@certm3/projection';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { caughtUp } from '../../../testing/projector-test-stack';
import { certm3Model } from '../certm3.model';
import { migrateReadModel } from './previous-release.fixture';

/** The layout of the previous release: everything in schema certm3. */
const PREVIOUS_LAYOUT = { tables: 'certm3', bookkeeping: 'certm3', live: false };

function append(
  store: PostgresEventStore,
  streamId: string,
  type: string,
  data: JsonObject,
  actorId: string,
) {
  const commandId = randomUUID();
  const event: EventToAppend = {
    id: eventIdFor(commandId, 0),
    type,
    data,
    metadata: { commandId, actorId, occurredAt: new Date().toISOString(), schemaVersion: 1 },
  };
  return store.append(`${streamId}-${randomUUID()}`, [event], { expectedRevision: 'no_stream' });
}

/** A history touching every table: users joining "users" and teams, certificates revoked, a team deleted. */
async function writeHistory(
  store: PostgresEventStore,
  admin: string,
  rounds: number,
  first = true,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const userId = first && round === 0 ? admin : randomUUID();
    await append(
      store,
      'user',
      'UserRegistered',
      {
        userId,
        username: `user-${userId.slice(0, 8)}`,
        email: `${userId}@example.com`,
        passwordHash: 'scrypt$x',
        registration: 'standard',
      },
      admin,
    );
    if (first && round === 0)
      await append(
        store,
        'group',
        'GroupCreated',
        { groupId: randomUUID(), name: 'users', description: null, system: true },
        admin,
      );
    await append(
      store,
      'user',
      'UserAddedToGroup',
      { userId, groupName: 'users', groupId: randomUUID() },
      admin,
    );
    const team = `team-${userId.slice(0, 8)}`;
    await append(
      store,
      'group',
      'GroupCreated',
      { groupId: randomUUID(), name: team, description: 'a team', system: false },
      admin,
    );
    await append(
      store,
      'user',
      'UserAddedToGroup',
      { userId, groupName: team, groupId: randomUUID() },
      admin,
    );
    const certificateId = randomUUID();
    await append(
      store,
      'certificate',
      'CertificateRegistered',
      { certificateId, userId, certificateData: 'PEM' },
      admin,
    );
    if (round % 2)
      await append(
        store,
        'certificate',
        'CertificateRevoked',
        { certificateId, reason: 'superseded' },
        admin,
      );
    if (round % 3 === 2)
      await append(store, 'group', 'GroupDeleted', { groupId: randomUUID(), name: team }, admin);
  }
}

// The previous release kept the certm3 tables, its checkpoint and kysely's migration record in schema certm3.
describe('legacy migration: a database of the previous release, to tables in public and bookkeeping in certm3', () => {
  let events: ScratchDatabase;
  let read: ScratchDatabase;
  let store: PostgresEventStore;
  let pool: Pool;
  let runner: ReadModelRunner | undefined;
  const admin = randomUUID();

  beforeAll(async () => {
    [events, read] = await Promise.all([
      createScratchDatabase('certm3_legacy_events'),
      createScratchDatabase('certm3_legacy_read'),
    ]);
    store = await PostgresEventStore.connect({ url: events.url, poolSize: 3 });
    pool = new Pool({ connectionString: read.url, max: 3 });
  });
  afterAll(async () => {
    await runner?.stop();
    await pool?.end();
    await store?.close();
    await Promise.all([events?.drop(), read?.drop()]);
  });

  const query = async (text: string, params: unknown[] = []) => (await pool.query(text, params)).rows;

  it('moves every row, the checkpoint and the skipped events, then projects on from the checkpoint', async () => {
    // The previous release builds its schema and projects part of the log, skipping one event.
    const kysely = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: read.url, max: 1 }) }),
    });
    await migrateReadModel(kysely, 'certm3');
    await writeHistory(store, admin, 12);
    const ghost = await append(store, 'user', 'UserDeactivated', { userId: randomUUID() }, admin);
    const written = await collect(store.readAll());
    const skipped = written.find((event) => event.position.commit === ghost.position.commit)!;
    const before = written.filter((event) => event !== skipped);
    await kysely
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, certm3Model, PREVIOUS_LAYOUT, before, 'halt'));
    await kysely
      .transaction()
      .execute((trx) =>
        skipEventInTransaction(trx, certm3Model, PREVIOUS_LAYOUT, skipped, 'skipped by an operator'),
      );
    await kysely.destroy();
    // What dashboards built on it: a view in their own schema, a grant to their own role, a comment.
    await query(`CREATE SCHEMA dashboards`);
    await query(
      `CREATE VIEW dashboards.active_users AS SELECT id, username FROM certm3.users WHERE is_active`,
    );
    await query(
      `DO $$ BEGIN CREATE ROLE certm3_legacy_dashboard NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    await query(`GRANT USAGE ON SCHEMA certm3 TO certm3_legacy_dashboard`);
    await query(`GRANT SELECT ON certm3.certificates TO certm3_legacy_dashboard`);
    await query(`COMMENT ON TABLE certm3.groups IS 'teams and the users group'`);
    const rowsBefore = await snapshot('certm3');
    const checkpointBefore = await query(`SELECT position, events_applied FROM certm3.projector_checkpoint`);
    const skippedBefore = await query(
      `SELECT position, stream_id, event_type, reason FROM certm3.projector_skipped_events`,
    );
    expect(rowsBefore.users).toHaveLength(12);

    // Meanwhile the log grew; the new release starts on the old database.
    await writeHistory(store, admin, 3, false);
    runner = new ReadModelRunner({ model: certm3Model, store, databaseUrl: read.url, standbyPollMs: 50 });
    runner.start();
    await caughtUp(runner, store);

    const rowsAfter = await snapshot('public');
    for (const table of Object.keys(rowsBefore) as (keyof typeof rowsBefore)[])
      expect(rowsAfter[table]).toEqual(expect.arrayContaining(rowsBefore[table]));
    expect(rowsAfter.users).toHaveLength(15);
    expect(
      await query(`SELECT tablename FROM pg_tables WHERE schemaname = 'certm3' ORDER BY tablename`),
    ).toEqual([
      { tablename: 'projector_checkpoint' },
      { tablename: 'projector_migrations' },
      { tablename: 'projector_skipped_events' },
    ]);
    const [checkpoint] = await query(
      `SELECT position, events_applied, fingerprint FROM certm3.projector_checkpoint`,
    );
    expect(BigInt(checkpoint.events_applied)).toBeGreaterThan(BigInt(checkpointBefore[0].events_applied));
    expect(checkpoint.fingerprint).toBe(certm3Model.fingerprint);
    expect(
      await query(`SELECT position, stream_id, event_type, reason FROM certm3.projector_skipped_events`),
    ).toEqual(skippedBefore);
    expect(await query(`SELECT name FROM certm3.projector_migrations ORDER BY name`)).toEqual([
      { name: '0001_tables_to_public_schema' },
      { name: '0002_certificate_suspended_status' },
    ]);
    // The previous release's status check, widened to the hold's `suspended`.
    expect(
      await query(
        `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'certificates_status_check'`,
      ),
    ).toEqual([{ definition: expect.stringContaining("'suspended'") }]);
    expect(
      await query(
        `SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE proname LIKE 'refuse%' ORDER BY 2`,
      ),
    ).toEqual([
      { nspname: 'public', proname: 'refuse_delete' },
      { nspname: 'public', proname: 'refuse_leaving_users_group' },
    ]);
    expect(
      await query(
        `SELECT bool_and(condeferrable) AS deferrable FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
      ),
    ).toEqual([{ deferrable: true }]);
    // Dashboards' view, grant and comment moved with the tables.
    expect(
      (await query(`SELECT count(*)::int AS users FROM dashboards.active_users`))[0].users,
    ).toBeGreaterThan(0);
    expect(
      await query(
        `SELECT has_table_privilege('certm3_legacy_dashboard', 'public.certificates', 'SELECT') AS granted`,
      ),
    ).toEqual([{ granted: true }]);
    expect(await query(`SELECT obj_description('public.groups'::regclass) AS comment`)).toEqual([
      { comment: 'teams and the users group' },
    ]);
    // The guards still refuse, and the tables are what a replay of the log gives.
    await expect(query('DELETE FROM users')).rejects.toThrow(/never deleted/);
    const client = new Client({ connectionString: read.url });
    await client.connect();
    try {
      await prepareReadModel(client, certm3Model); // nothing differs
      expect((await verifyReadModel({ client, model: certm3Model, store })).differences).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('leaves the previous release unable to start on the migrated database', async () => {
    const kysely = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: read.url, max: 1 }) }),
    });
    try {
      await expect(migrateReadModel(kysely, 'certm3')).rejects.toThrow(/already exists/);
      expect(
        await query(
          `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'certm3' AND tablename = 'users'`,
        ),
      ).toEqual([{ tables: 0 }]);
    } finally {
      await kysely.destroy();
    }
  });

  it('waits while a projector of the previous release still holds its writer lock', async () => {
    const database = await createScratchDatabase('certm3_legacy_busy');
    const [old, upgrading] = [
      new Client({ connectionString: database.url }),
      new Client({ connectionString: database.url }),
    ];
    await Promise.all([old.connect(), upgrading.connect()]);
    try {
      const kysely = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new Pool({ connectionString: database.url, max: 1 }) }),
      });
      await migrateReadModel(kysely, 'certm3');
      await kysely.destroy();
      await old.query('SELECT pg_advisory_lock($1)', [0x63657274_6d330003n.toString()]);
      await expect(prepareReadModel(upgrading, certm3Model)).rejects.toThrow(
        'a projector of the previous release is still running',
      );
      const still = await upgrading.query(
        `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'certm3' AND tablename = 'users'`,
      );
      expect(still.rows).toEqual([{ tables: 1 }]);
      await old.query('SELECT pg_advisory_unlock_all()');
      await prepareReadModel(upgrading, certm3Model);
    } finally {
      await Promise.all([old.end(), upgrading.end()]);
      await database.drop();
    }
  });

  async function snapshot(schema: string) {
    const rows = async (table: string, order: string) =>
      query(`SELECT * FROM ${schema}.${table} ORDER BY ${order}`);
    return {
      users: await rows('users', 'id'),
      groups: await rows('groups', 'name'),
      user_groups: await rows('user_groups', 'user_id, group_name'),
      certificates: await rows('certificates', 'id'),
    };
  }
});
