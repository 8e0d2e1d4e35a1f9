import { randomUUID } from 'node:crypto';
import { comparePositions, parsePosition } from '@certm3/event-store';
import { caughtUp, ProjectorTestStack, waitUntil } from './testing/projector-test-stack';

// Scratch schemas are `certm3__rebuild_…` and `certm3__verify_…` (a model's name never holds `__`).
const scratchSchemas = `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'certm3\\_\\_rebuild\\_%' OR nspname LIKE 'certm3\\_\\_verify\\_%'`;

// A rebuild brings the live tables to the replayed rows inside one transaction instead of swapping schemas,
// so what dashboards built on the tables stays.
describe('rebuild keeps what dashboards built', () => {
  let stack: ProjectorTestStack;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    stack.runner().start();
    await stack.workload(6);
    await caughtUp(stack.runners[0], stack.store);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const query = async (text: string, params: unknown[] = []) => (await stack.pool.query(text, params)).rows;

  it('keeps a view in another schema on users, a grant to another role, a comment and the tables themselves', async () => {
    await query(`CREATE SCHEMA dashboard`);
    await query(`CREATE VIEW dashboard.active_users AS SELECT id, username FROM users WHERE is_active`);
    await query(
      `DO $$ BEGIN CREATE ROLE certm3_rebuild_test_grafana NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    await query(`GRANT SELECT ON users, certificates TO certm3_rebuild_test_grafana`);
    await query(`COMMENT ON TABLE certificates IS 'one row per registered certificate'`);
    const identity = await query(
      `SELECT 'users'::regclass::oid AS users, 'certificates'::regclass::oid AS certificates`,
    );
    const before = await stack.snapshot();

    const report = await stack.rebuild();

    expect(report.tables.filter((table) => table.deleted + table.updated + table.inserted > 0)).toEqual([]);
    expect(await stack.snapshot()).toEqual(before);
    expect(
      await query(`SELECT 'users'::regclass::oid AS users, 'certificates'::regclass::oid AS certificates`),
    ).toEqual(identity);
    expect(
      (await query(`SELECT count(*)::int AS users FROM dashboard.active_users`))[0].users,
    ).toBeGreaterThan(0);
    expect(
      await query(`SELECT has_table_privilege('certm3_rebuild_test_grafana', 'users', 'SELECT') AS users,
                          has_table_privilege('certm3_rebuild_test_grafana', 'certificates', 'SELECT') AS certificates`),
    ).toEqual([{ users: true, certificates: true }]);
    expect(await query(`SELECT obj_description('certificates'::regclass) AS comment`)).toEqual([
      { comment: 'one row per registered certificate' },
    ]);
    expect(await query(scratchSchemas)).toEqual([]);
  });

  it('repairs changed, vanished and stray rows, even where guards refuse deletes, and turns the guards back on', async () => {
    const [first, second] = await query(
      `SELECT id, email FROM users WHERE username <> 'admin' ORDER BY id LIMIT 2`,
    );
    const before = await stack.snapshot();
    // Emails traded between two users: one UPDATE of both collides with the unique index on the way.
    await query(`UPDATE users SET email = 'swap-' || email WHERE id = $1`, [first.id]);
    await query(`UPDATE users SET email = $2 WHERE id = $1`, [second.id, first.email]);
    await query(`UPDATE users SET email = $2 WHERE id = $1`, [first.id, second.email]);
    await query(`UPDATE groups SET description = 'tampered' WHERE name <> 'users'`);
    await query(`DELETE FROM user_groups WHERE group_name <> 'users'`);
    const stray = randomUUID();
    await query(
      `INSERT INTO users VALUES ($1, 'stray', 'stray@example.com', 'x', true, now(), now(), NULL)`,
      [stray],
    );

    const report = await stack.rebuild();

    expect(await stack.snapshot()).toEqual(before);
    const changed = Object.fromEntries(report.tables.map(({ table, ...counts }) => [table, counts]));
    expect(changed.users).toEqual({ deleted: 1, updated: 2, inserted: 0 });
    expect(changed.user_groups.inserted).toBeGreaterThan(0);
    expect(changed.groups.updated).toBeGreaterThan(0);
    await expect(
      query(`DELETE FROM users WHERE id = $1`, [before.users[0] && (before.users[0] as { id: string }).id]),
    ).rejects.toThrow(/never deleted/);
    expect((await stack.verify()).differences).toEqual([]);
  });

  // Regression: when an UPDATE of the rows met a unique-key collision (two users trading emails), the
  // rebuild deleted every differing row and inserted it again: a dashboard's table with a foreign key to
  // users ON DELETE CASCADE lost its rows, one without CASCADE made the rebuild fail, the dashboard's
  // triggers fired, and the report said "updated".
  it('never deletes a row whose key survives: rows of a dashboard that reference users stay when two users trade emails', async () => {
    await query(`CREATE SCHEMA dash`);
    await query(
      `CREATE TABLE dash.prefs (user_id uuid PRIMARY KEY REFERENCES public.users (id) ON DELETE CASCADE, theme text NOT NULL)`,
    );
    await query(`CREATE TABLE dash.seen (op text NOT NULL, user_id uuid NOT NULL)`);
    await query(`CREATE FUNCTION dash.note_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO dash.seen VALUES (TG_OP, COALESCE(NEW.user_id, OLD.user_id)); RETURN NULL; END $$`);
    await query(
      `CREATE TRIGGER prefs_seen AFTER INSERT OR DELETE ON dash.prefs FOR EACH ROW EXECUTE FUNCTION dash.note_change()`,
    );
    const [first, second] = await query(
      `SELECT id, email FROM users WHERE username <> 'admin' ORDER BY id LIMIT 2`,
    );
    await query(`INSERT INTO dash.prefs VALUES ($1, 'dark'), ($2, 'light')`, [first.id, second.id]);
    await query(`TRUNCATE dash.seen`);
    const before = await stack.snapshot();
    const prefs = await query(`SELECT * FROM dash.prefs ORDER BY user_id`);
    const trade = async () => {
      await query(`UPDATE users SET email = 'swap-' || email WHERE id = $1`, [first.id]);
      await query(`UPDATE users SET email = $2 WHERE id = $1`, [second.id, first.email]);
      await query(`UPDATE users SET email = $2 WHERE id = $1`, [first.id, second.email]);
    };

    await trade();
    const report = await stack.rebuild();

    expect(await stack.snapshot()).toEqual(before);
    expect(await query(`SELECT * FROM dash.prefs ORDER BY user_id`)).toEqual(prefs);
    expect(await query(`SELECT * FROM dash.seen`)).toEqual([]);
    expect(report.tables.find((table) => table.table === 'users')).toEqual({
      table: 'users',
      deleted: 0,
      updated: 2,
      inserted: 0,
    });
    expect(report.movedAside).toEqual([{ table: 'users', columns: ['email'], rows: 2 }]);

    // A foreign key without CASCADE made the rebuild fail; it now has nothing to refuse.
    await query(
      `CREATE TABLE dash.notes (user_id uuid NOT NULL REFERENCES public.users (id), note text NOT NULL)`,
    );
    await query(`INSERT INTO dash.notes VALUES ($1, 'call back')`, [second.id]);
    await trade();
    await stack.rebuild();
    expect(await stack.snapshot()).toEqual(before);
    expect(await query(`SELECT user_id, note FROM dash.notes`)).toEqual([
      { user_id: second.id, note: 'call back' },
    ]);
    expect(await query(`SELECT * FROM dash.prefs ORDER BY user_id`)).toEqual(prefs);
    expect((await stack.verify()).differences).toEqual([]);
    await query(`DROP SCHEMA dash CASCADE`);
  });

  // Regression: an operator's skip wrote the skipped event's position into the checkpoint whatever it held.
  // After a rebuild had moved the checkpoint past the halted event (and applied it), the skip moved it back:
  // events already applied ran again (a duplicate key), and the event was recorded as skipped.
  it('an operator skip after a rebuild leaves the checkpoint where the rebuild put it and applies nothing twice', async () => {
    const runner = stack.runners[0];
    await caughtUp(runner, stack.store);
    const { id: group } = await stack.command('CreateGroup', { name: `taken-${randomUUID().slice(0, 6)}` });
    await waitUntil(async () => (await query('SELECT 1 FROM groups WHERE name = $1', [group])).length === 1);
    // A live row taken away: the update of it that follows cannot be applied.
    await query(`DELETE FROM groups WHERE name = $1`, [group]);
    await stack.command('UpdateGroup', { name: group, description: 'halts the projector' });
    await waitUntil(() => runner.status().halted !== null);
    const halted = runner.status().halted!;
    expect(halted.type).toBe('GroupUpdated');
    const { id: later } = await stack.command('CreateGroup', { name: `later-${randomUUID().slice(0, 6)}` });
    await stack.workload(1);

    const rebuilt = await stack.rebuild();
    expect(await query('SELECT description FROM groups WHERE name = $1', [group])).toEqual([
      { description: 'halts the projector' },
    ]);
    expect(runner.skip(halted.position)).toBe(true);
    // The skip is taken up asynchronously: first the halt on that event ends (or another one begins).
    await waitUntil(() => runner.status().halted?.since !== halted.since);
    const { id: after } = await stack.command('CreateGroup', { name: `after-${randomUUID().slice(0, 6)}` });
    await waitUntil(
      async () =>
        runner.status().halted !== null ||
        (await query('SELECT 1 FROM groups WHERE name = $1', [after])).length === 1,
    );

    expect(runner.status()).toMatchObject({ role: 'active', halted: null, lastError: null });
    await caughtUp(runner, stack.store);
    const [{ position }] = await query(`SELECT position FROM certm3.projector_checkpoint`);
    expect(comparePositions(parsePosition(position), parsePosition(rebuilt.checkpoint!))).toBeGreaterThan(0);
    expect(
      await query(`SELECT 1 FROM certm3.projector_skipped_events WHERE position = $1`, [halted.position]),
    ).toEqual([]);
    expect(await query('SELECT 1 FROM groups WHERE name = $1', [later])).toHaveLength(1);
    expect((await stack.verify()).differences).toEqual([]);
  });

  it('leaves no scratch schema behind and the live tables untouched when it fails half-way', async () => {
    await query(`UPDATE groups SET description = 'tampered again' WHERE name = 'users'`);
    const before = await stack.snapshot();
    const [checkpointBefore] = await query(`SELECT position, fingerprint FROM certm3.projector_checkpoint`);

    for (const failAt of ['replayed', 'caught-up', 'replaced:users'] as const) {
      await expect(
        stack.rebuild({
          onStage: (stage) => {
            if (stage === failAt) throw new Error(`injected failure at ${stage}`);
          },
        }),
      ).rejects.toThrow(`injected failure at ${failAt}`);
      expect(await query(scratchSchemas)).toEqual([]);
      expect(await stack.snapshot()).toEqual(before);
      expect(await query(`SELECT position, fingerprint FROM certm3.projector_checkpoint`)).toEqual([
        checkpointBefore,
      ]);
    }
    // The live projector was paused by the swap, not broken by it.
    const { id } = await stack.command('CreateGroup', { name: `after-failures-${randomUUID().slice(0, 6)}` });
    await waitUntil(async () => (await query('SELECT 1 FROM groups WHERE name = $1', [id])).length === 1);
    await stack.rebuild();
    expect((await stack.verify()).differences).toEqual([]);
  });

  it('verifies with zero differences after a rebuild while the live projector runs under load', async () => {
    const load = stack.workload(15);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rebuilt = await stack.rebuild();
    const second = await stack.rebuild();
    await load;
    await caughtUp(stack.runners[0], stack.store);
    process.stdout.write(
      `[rebuild under load] replay ${Math.round(rebuilt.replayMilliseconds)} ms + swap ${Math.round(rebuilt.swapMilliseconds)} ms for ${rebuilt.events} events; again: ${Math.round(second.replayMilliseconds)} + ${Math.round(second.swapMilliseconds)} ms\n`,
    );
    expect((await stack.verify()).differences).toEqual([]);
    expect(await query(scratchSchemas)).toEqual([]);
  });

  it('is done by the runner itself, before projecting live, when the definition changed since the tables were built', async () => {
    await stack.runners[0].stop();
    await query(`UPDATE certm3.projector_checkpoint SET fingerprint = 'of-an-older-definition'`);
    await query(`UPDATE certificates SET revocation_reason = 'tampered'`);
    const runner = stack.runner();
    runner.start();
    await caughtUp(runner, stack.store);
    expect(await query(`SELECT fingerprint FROM certm3.projector_checkpoint`)).toEqual([
      { fingerprint: runner.model.fingerprint },
    ]);
    expect(
      await query(`SELECT count(*)::int AS tampered FROM certificates WHERE revocation_reason = 'tampered'`),
    ).toEqual([{ tampered: 0 }]);
    expect((await stack.verify()).differences).toEqual([]);
  });
});
