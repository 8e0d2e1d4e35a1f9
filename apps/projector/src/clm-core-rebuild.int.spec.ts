import { Client } from 'pg';
import { AppendOnlyRebuildRefusedError } from '@certm3/projection';
import { clmCoreModel, clmSecureModel } from './read-models';
import { caughtUp, ProjectorTestStack } from './testing/projector-test-stack';

// clm_core's rows carry the events' times (updated_at too, whatever its trigger does on a manual UPDATE), so a
// rebuild reproduces them row for row; its audit_log only ever gains rows, also in a rebuild.
describe('rebuild and verify of clm_core and clm_secure', () => {
  let stack: ProjectorTestStack;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    stack.runner({ model: clmCoreModel }).start();
    stack.runner({ model: clmSecureModel }).start();
    await stack.workload(9);
    for (const runner of stack.runners) await caughtUp(runner, stack.store);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const core = async (text: string, params: unknown[] = []) =>
    (await withCore((client) => client.query(text, params))).rows;
  const withCore = async <T>(work: (client: Client) => Promise<T>) => {
    const client = new Client({ connectionString: stack.databaseOf(clmCoreModel).url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const snapshot = async () => ({
    users: await core('SELECT * FROM users ORDER BY id'),
    audit_log: await core('SELECT * FROM audit_log ORDER BY id'),
  });
  const changes = (report: {
    tables: readonly { table: string; deleted: number; updated: number; inserted: number }[];
  }) => report.tables.filter((table) => table.deleted + table.updated + table.inserted > 0);

  it('projects users with the times of their events, and an audit row per action, refusals included', async () => {
    // updated_at is the time of the last event that changed the user, never the projector's clock.
    const stale = await core(`
      SELECT u.id FROM users u
       WHERE u.updated_at <> (SELECT max(a.event_timestamp) FROM audit_log a
                               WHERE a.resource_type = 'user' AND a.resource_id = u.id::text
                                 AND a.event_type IN ('UserRegistered', 'UserEmailChanged', 'UserDeactivated', 'UserProfileUpdated',
                                                      'UserSuspended', 'UserReinstated', 'UserLocked', 'UserUnlocked'))`);
    expect(stale).toEqual([]);
    const refused = await core(
      `SELECT action, error_code, resource_type FROM audit_log WHERE outcome = 'refused' ORDER BY event_timestamp`,
    );
    expect(refused).toEqual([
      { action: 'DeleteUser', error_code: 'USER_DELETION_FORBIDDEN', resource_type: expect.anything() },
      { action: 'DeleteUser', error_code: 'USER_DELETION_FORBIDDEN', resource_type: expect.anything() },
    ]);
    expect(
      await core(
        `SELECT count(*)::int AS n FROM audit_log WHERE details::text ILIKE '%password%' OR details::text LIKE '%scrypt%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('rebuilds row for row identical, updated_at included, and verify finds no difference', async () => {
    const before = await snapshot();
    const report = await stack.rebuild({}, clmCoreModel);
    expect(changes(report)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect((await stack.verify(clmCoreModel)).differences).toEqual([]);
  });

  it('stamps now() on a manual UPDATE; verify sees it and a rebuild puts the event time back', async () => {
    const [user] = await core(`SELECT id, updated_at FROM users WHERE username LIKE 'user-1-%'`);
    await core(`UPDATE users SET status_reason = 'by hand' WHERE id = $1`, [user.id]);
    const [changed] = await core(
      `SELECT updated_at, now() - updated_at < interval '1 minute' AS recent FROM users WHERE id = $1`,
      [user.id],
    );
    expect(changed.recent).toBe(true);
    expect(changed.updated_at).not.toEqual(user.updated_at);
    expect((await stack.verify(clmCoreModel)).differences).toEqual([
      expect.objectContaining({ table: 'users', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    const report = await stack.rebuild({}, clmCoreModel);
    expect(changes(report)).toEqual([{ table: 'users', deleted: 0, updated: 1, inserted: 0 }]);
    expect(await core(`SELECT updated_at, status_reason FROM users WHERE id = $1`, [user.id])).toEqual([
      { updated_at: user.updated_at, status_reason: null },
    ]);
    expect((await stack.verify(clmCoreModel)).differences).toEqual([]);
  });

  it('refuses, changing nothing, a rebuild that would delete or change audit_log rows', async () => {
    const [user] = await core(`SELECT id FROM users WHERE username LIKE 'user-2-%'`);
    await core(
      `INSERT INTO audit_log (id, event_type, action, outcome, stream_id, stream_revision, event_timestamp, created_at, updated_at)
       VALUES ('99999999-9999-4999-8999-999999999999', 'Forged', 'Forged', 'accepted', 'nowhere', 0, now(), now(), now())`,
    );
    await core(`UPDATE users SET email = 'tampered@example.com' WHERE id = $1`, [user.id]);
    const before = await snapshot();
    const checkpoint = await core('SELECT position FROM clm_core.projector_checkpoint');

    const refused = stack.rebuild({}, clmCoreModel);
    await expect(refused).rejects.toThrow(AppendOnlyRebuildRefusedError);
    await expect(refused).rejects.toThrow(
      /table audit_log is append-only, and the rebuilt copy would delete 1 and change 0 of its rows \(id=99999999-9999-4999-8999-999999999999\)/,
    );
    expect(await snapshot()).toEqual(before);
    expect(await core('SELECT position FROM clm_core.projector_checkpoint')).toEqual(checkpoint);
    expect(await core(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'clm\\_core\\_\\_%'`)).toEqual([]);
    const verified = await stack.verify(clmCoreModel);
    expect(verified.differences.map((d) => [d.table, d.onlyInLive, d.onlyInRebuilt])).toEqual([
      ['users', 1, 1],
      ['audit_log', 1, 0],
    ]);

    // The deliberate way out: the owner removes the row with the guard off, then rebuilds.
    await withCore(async (client) => {
      await client.query('BEGIN');
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER trg_audit_log_append_only');
      await client.query(`DELETE FROM audit_log WHERE event_type = 'Forged'`);
      await client.query('ALTER TABLE audit_log ENABLE TRIGGER trg_audit_log_append_only');
      await client.query('COMMIT');
    });
    expect(changes(await stack.rebuild({}, clmCoreModel))).toEqual([
      { table: 'users', deleted: 0, updated: 1, inserted: 0 },
    ]);
    expect((await stack.verify(clmCoreModel)).differences).toEqual([]);
  });

  it('adds the audit rows the log gained to the live table in a rebuild', async () => {
    const [{ n: before }] = await core('SELECT count(*)::int AS n FROM audit_log');
    await stack.runners[0].stop();
    const { id } = await stack.command('RegisterUser', {
      username: 'late',
      email: 'late@example.com',
      password: 'a long enough password',
    });
    await stack.command('DeactivateUser', { userId: id });
    const report = await stack.rebuild({}, clmCoreModel);
    const audit = report.tables.find((table) => table.table === 'audit_log')!;
    expect(audit).toEqual({ table: 'audit_log', deleted: 0, updated: 0, inserted: expect.any(Number) });
    expect(audit.inserted).toBeGreaterThanOrEqual(2);
    expect(report.tables.find((table) => table.table === 'users')).toMatchObject({ inserted: 1 });
    const [{ n: after }] = await core('SELECT count(*)::int AS n FROM audit_log');
    expect(after).toBe(before + audit.inserted);
  });

  it('rebuilds and verifies clm_secure, its imported certificates row for row identical', async () => {
    const report = await stack.rebuild({}, clmSecureModel);
    expect(changes(report)).toEqual([]);
    expect(report.checkpoint).toEqual(expect.any(String));
    const verified = await stack.verify(clmSecureModel);
    expect(verified.checkpoint).toBe(report.checkpoint);
    expect(verified.differences).toEqual([]);
    const rowsOf = (table: string) => verified.tables.find((found) => found.table === table)?.rows;
    expect(rowsOf('certificates')).toBe(9);
    // Each registration and each revocation: the certificate lifecycle in the secure trail.
    const secure = new Client({ connectionString: stack.databaseOf(clmSecureModel).url });
    await secure.connect();
    try {
      const { rows } = await secure.query(
        `SELECT action, count(*)::int AS n FROM secure_audit_log WHERE resource_type = 'certificate' GROUP BY action ORDER BY action`,
      );
      expect(rows).toEqual([
        { action: 'import', n: 9 },
        { action: 'revoke', n: 5 },
      ]);
    } finally {
      await secure.end();
    }
  });
});
