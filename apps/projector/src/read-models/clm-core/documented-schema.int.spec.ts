import { PoolClient } from 'pg';
import { PROJECTION_WRITER_SETTING } from '@certm3/projection';
import { itHasTheDocumentedSchema } from '../../testing/documented-schema';
import { schemaTestBed } from '../../testing/schema-test-bed';
import { clmCoreModel } from './clm-core.model';
import * as documented from './documented-schema.fixture';
import { GET_USER_WITH_ROLES } from './documented-schema.fixture';

// clm_core_db as schema sync builds it, against seed 001 as the fixture encodes it.
describe('clm_core read model schema', () => {
  const bed = schemaTestBed(clmCoreModel, 'clm_core_schema');
  const { query, prepare, rolledBack } = bed;
  const admin = '11111111-1111-4111-8111-111111111111';
  const ada = '22222222-2222-4222-8222-222222222222';
  const auditor = '33333333-3333-4333-8333-333333333333';
  const approver = '44444444-4444-4444-8444-444444444444';
  const org = '55555555-5555-4555-8555-555555555555';
  const insertUser = (client: PoolClient, id: string, username: string, status = 'active') =>
    client.query(
      `INSERT INTO users (id, username, email, password_hash, status, created_at, updated_at, created_by, updated_by)
       VALUES ($1, $2::text, $2::text || '.mail@example.com', 'scrypt$secret', $3, '2026-11-29T03:00:00Z', '2026-11-29T03:00:00Z', $1, $1)`,
      [id, username, status],
    );
  const insertRole = (client: PoolClient, id: string, code: string, deleted = false) =>
    client.query(
      `INSERT INTO roles (id, role_code, name, permissions, is_system, deleted_at, created_at, updated_at)
       VALUES ($1, $2::text, initcap($2::text), '{"audit": ["read"]}', true, $3, now(), now())`,
      [id, code, deleted ? new Date() : null],
    );
  const assign = (client: PoolClient, id: string, user: string, role: string, revoked = false) =>
    client.query(
      `INSERT INTO user_roles (id, user_id, role_id, assigned_at, revoked_at, created_at, updated_at)
       VALUES ($1, $2, $3, now(), $4, now(), now())`,
      [id, user, role, revoked ? new Date() : null],
    );

  itHasTheDocumentedSchema(bed, documented);

  it('stamps updated_at with now() on a manual UPDATE, and keeps the time the projector writes', () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'ada');
      const updatedAt = async () =>
        (await client.query<{ at: Date }>('SELECT updated_at AS at FROM users WHERE id = $1', [ada])).rows[0]
          .at;
      await client.query(`UPDATE users SET email = 'manual@example.com' WHERE id = $1`, [ada]);
      const now = (await client.query<{ now: Date }>('SELECT now()')).rows[0].now;
      expect(await updatedAt()).toEqual(now);
      // A write that sets updated_at to another value keeps it.
      await client.query(`UPDATE users SET updated_at = '2026-11-29T04:00:00Z' WHERE id = $1`, [ada]);
      expect(await updatedAt()).toEqual(new Date('2026-11-29T04:00:00Z'));
      // The projector's transactions keep what they write, also the same value again (one command's events).
      await client.query(`SELECT set_config($1, 'on', true)`, [PROJECTION_WRITER_SETTING]);
      await client.query(
        `UPDATE users SET status = 'locked', updated_at = '2026-11-29T04:00:00Z' WHERE id = $1`,
        [ada],
      );
      expect(await updatedAt()).toEqual(new Date('2026-11-29T04:00:00Z'));
    }));

  it('keeps audit_log append-only for every role, its owner included', async () => {
    const insert = `INSERT INTO audit_log (id, event_type, action, outcome, stream_id, stream_revision, event_timestamp, created_at, updated_at)
      VALUES ('66666666-6666-4666-8666-666666666666', 'UserRegistered', 'RegisterUser', 'accepted', 'user-x', 0, now(), now(), now())`;
    for (const statement of [
      `UPDATE audit_log SET action = 'forged'`,
      `UPDATE audit_log SET updated_at = now()`,
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
    ])
      await rolledBack(async (client) => {
        await client.query(insert);
        // The test connects as the owner (and a superuser): the triggers still refuse.
        await expect(client.query(statement)).rejects.toThrow(/public\.audit_log is append-only/);
      });
  });

  it('lets clm_core_reader select everything but the password hash and the MFA secret', () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'ada');
      await client.query('SET LOCAL ROLE clm_core_reader');
      const { rows } = await client.query(
        `SELECT id, username, email, status, status_reason, status_changed_at, deleted_at, created_at, updated_at, created_by, updated_by FROM users`,
      );
      expect(rows).toHaveLength(1);
      for (const table of [
        'roles',
        'user_roles',
        'organizations',
        'user_organizations',
        'policies',
        'certificate_metadata',
        'notifications',
        'audit_log',
        'active_users_with_roles',
        'certificate_summary',
      ])
        await client.query(`SELECT * FROM ${table}`);
      await client.query(`SELECT * FROM clm_core.applied_position`);
      for (const column of ['password_hash', 'mfa_secret']) {
        await client.query('SAVEPOINT denied');
        await expect(client.query(`SELECT ${column} FROM users`)).rejects.toThrow(/permission denied/);
        await client.query('ROLLBACK TO SAVEPOINT denied');
      }
      await expect(client.query(`UPDATE roles SET name = 'x'`)).rejects.toThrow(/permission denied/);
    }));

  it('takes the table-level SELECT back from a reader that has it (a database upgraded in place)', async () => {
    await query('GRANT SELECT ON users TO clm_core_reader');
    await prepare();
    const [row] = await query<{ table: boolean; hash: boolean; username: boolean }>(
      `SELECT has_table_privilege('clm_core_reader', 'public.users', 'SELECT') AS table,
              has_column_privilege('clm_core_reader', 'public.users', 'password_hash', 'SELECT') AS hash,
              has_column_privilege('clm_core_reader', 'public.users', 'username', 'SELECT') AS username`,
    );
    expect(row).toEqual({ table: false, hash: false, username: true });
  });

  it('answers the seed\'s "Get user with roles" query, as written, with the user\'s live role codes', () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'user@example.com');
      await insertUser(client, admin, 'admin');
      await insertRole(client, auditor, 'AUDITOR');
      await insertRole(client, approver, 'APPROVER');
      await assign(client, '77777777-7777-4777-8777-777777777771', ada, auditor);
      await assign(client, '77777777-7777-4777-8777-777777777772', ada, approver, true);
      await assign(client, '77777777-7777-4777-8777-777777777773', admin, approver);
      const { rows } = await client.query(GET_USER_WITH_ROLES);
      expect(rows).toEqual([
        expect.objectContaining({ id: ada, username: 'user@example.com', roles: ['AUDITOR'] }),
      ]);
    }));

  it('shows active users with their live roles in active_users_with_roles', () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'ada');
      await insertUser(client, admin, 'admin');
      await insertUser(client, '88888888-8888-4888-8888-888888888888', 'locked', 'locked');
      await insertRole(client, auditor, 'AUDITOR');
      await insertRole(client, approver, 'APPROVER');
      await insertRole(client, org, 'GONE', true);
      await assign(client, '77777777-7777-4777-8777-777777777771', ada, auditor);
      await assign(client, '77777777-7777-4777-8777-777777777772', ada, approver);
      await assign(client, '77777777-7777-4777-8777-777777777773', ada, org);
      await assign(client, '77777777-7777-4777-8777-777777777774', admin, approver, true);
      const { rows } = await client.query(
        'SELECT id, username, role_names, role_codes FROM active_users_with_roles ORDER BY username',
      );
      expect(rows).toEqual([
        {
          id: ada,
          username: 'ada',
          role_names: ['Approver', 'Auditor'],
          role_codes: ['APPROVER', 'AUDITOR'],
        },
        { id: admin, username: 'admin', role_names: [], role_codes: [] },
      ]);
      const columns = await client.query(`SELECT * FROM active_users_with_roles LIMIT 0`);
      expect(columns.fields.map((field) => field.name)).not.toContain('password_hash');
    }));

  it('shows each certificate’s metadata with its owner and organization in certificate_summary', () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'ada');
      await client.query(
        `INSERT INTO organizations (id, org_code, name, created_at, updated_at) VALUES ($1, 'ACME', 'Acme', now(), now())`,
        [org],
      );
      const metadata = (id: string, organization: string | null) =>
        client.query(
          `INSERT INTO certificate_metadata (id, certificate_id, owner_user_id, organization_id, tags, environment, created_at, updated_at)
           VALUES ($1, $1, $2, $3, '{"team": "ops"}', 'production', now(), now())`,
          [id, ada, organization],
        );
      await metadata(admin, org);
      await metadata(auditor, null);
      const { rows } = await client.query(
        `SELECT certificate_id, owner_username, owner_email, owner_status, organization_code, organization_name, tags, environment
           FROM certificate_summary ORDER BY certificate_id`,
      );
      expect(rows).toEqual([
        {
          certificate_id: admin,
          owner_username: 'ada',
          owner_email: 'ada.mail@example.com',
          owner_status: 'active',
          organization_code: 'ACME',
          organization_name: 'Acme',
          tags: { team: 'ops' },
          environment: 'production',
        },
        expect.objectContaining({
          certificate_id: auditor,
          organization_code: null,
          organization_name: null,
        }),
      ]);
      const columns = await client.query(`SELECT * FROM certificate_summary LIMIT 0`);
      expect(columns.fields.map((field) => field.name)).not.toContain('password_hash');
    }));

  it("lists a user's unread notifications newest first through their partial index, and refuses a read one without read_at", () =>
    rolledBack(async (client) => {
      await insertUser(client, ada, 'ada');
      // One id as the notification's, its resource's (text) and its cause's (a uuid).
      const notify = (id: string, at: string, readAt: string | null) =>
        client.query(
          `INSERT INTO notifications (id, user_id, notification_type, title, message, resource_type, resource_id,
                                      cause_event_id, is_read, read_at, created_at, updated_at)
           VALUES ($1, $2, 'certificate_expiring', 'Expiring', 'soon', 'certificate', $6, $1, $3, $4, $5, $5)`,
          [id, ada, readAt !== null, readAt, at, id],
        );
      await notify(admin, '2026-11-29T03:00:00Z', null);
      await notify(auditor, '2026-11-29T04:00:00Z', null);
      await notify(approver, '2026-11-29T05:00:00Z', '2026-11-29T06:00:00Z');
      const unread = `SELECT id, nats_status, webhook_status FROM notifications
                       WHERE user_id = '${ada}' AND NOT is_read ORDER BY created_at DESC`;
      expect((await client.query(unread)).rows).toEqual([
        { id: auditor, nats_status: 'pending', webhook_status: 'pending' },
        { id: admin, nats_status: 'pending', webhook_status: 'pending' },
      ]);
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = (await client.query(`EXPLAIN ${unread}`)).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain('idx_notifications_user_id_unread');
      await expect(
        client.query(`UPDATE notifications SET is_read = true WHERE id = $1`, [admin]),
      ).rejects.toThrow(/notifications_read_at_when_read/);
    }));
});
