import { schemaTestBed } from '../../testing/schema-test-bed';
import { certm3Model } from './certm3.model';
import { DOCUMENTED_INDEXES, DOCUMENTED_TABLES } from './documented-schema.fixture';

// The certm3 tables as schema sync builds them, against seed 000 as the fixture encodes it.
describe('certm3 read model schema', () => {
  const bed = schemaTestBed(certm3Model, 'certm3_read_schema');
  const { query, prepare } = bed;

  it('creates the documented tables with the documented columns and types', async () => {
    const columns = await query<{ table_name: string; column_name: string; type: string }>(
      `SELECT table_name, column_name,
              CASE WHEN character_maximum_length IS NOT NULL THEN data_type || '(' || character_maximum_length || ')' ELSE data_type END AS type
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [Object.keys(DOCUMENTED_TABLES)],
    );
    for (const [table, spec] of Object.entries(DOCUMENTED_TABLES)) {
      const actual = Object.fromEntries(
        columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c.type]),
      );
      expect({ table, columns: actual }).toEqual({ table, columns: spec.columns });
    }
  });

  it('has the documented primary and foreign keys', async () => {
    const keys = await bed.keys();
    for (const [table, spec] of Object.entries(DOCUMENTED_TABLES)) {
      const primary = keys
        .filter((k) => k.table_name === table && k.constraint_type === 'PRIMARY KEY')
        .map((k) => k.column_name);
      expect({ table, primary: [...new Set(primary)].sort() }).toEqual({
        table,
        primary: [...spec.primaryKey].sort(),
      });
      const foreign = Object.fromEntries(
        keys
          .filter((k) => k.table_name === table && k.constraint_type === 'FOREIGN KEY')
          .map((k) => [k.column_name, k.foreign]),
      );
      expect({ table, foreign }).toEqual({ table, foreign: spec.foreignKeys });
    }
  });

  it('has the five documented indexes under their documented names', async () => {
    const indexes = await query<{ indexname: string; tablename: string; indexdef: string }>(
      `SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`,
    );
    for (const [name, spec] of Object.entries(DOCUMENTED_INDEXES)) {
      const index = indexes.find((candidate) => candidate.indexname === name);
      expect(index).toBeDefined();
      expect(index!.tablename).toBe(spec.table);
      expect(index!.indexdef).toMatch(new RegExp(`\\(${spec.columns.join(', ')}\\)$`));
    }
    // Constraint 5 (unique emails) holds in the database too.
    expect(indexes.find((index) => index.indexname === 'users_email_idx')!.indexdef).toMatch(
      /^CREATE UNIQUE INDEX/,
    );
  });

  it('refuses deleting users and certificates, and removing anyone from "users"', async () => {
    const admin = '11111111-1111-4111-8111-111111111111';
    await query(
      `INSERT INTO users VALUES ($1, 'admin', 'admin@example.com', 'scrypt$x', true, now(), now(), $1)`,
      [admin],
    );
    await query(
      `INSERT INTO groups VALUES ('users', NULL, now(), now(), $1), ('ops', NULL, now(), now(), $1)`,
      [admin],
    );
    await query(`INSERT INTO user_groups VALUES ($1, 'users', now(), $1), ($1, 'ops', now(), $1)`, [admin]);
    await query(
      `INSERT INTO certificates (id, user_id, certificate_data, status, created_at, updated_at, updated_by)
       VALUES ('22222222-2222-4222-8222-222222222222', $1, 'pem', 'active', now(), now(), $1)`,
      [admin],
    );
    await expect(query('DELETE FROM users')).rejects.toThrow(/never deleted/);
    await expect(query('DELETE FROM certificates')).rejects.toThrow(/never deleted/);
    await expect(query('TRUNCATE certificates CASCADE')).rejects.toThrow(/never deleted/);
    await expect(query(`DELETE FROM user_groups WHERE group_name = 'users'`)).rejects.toThrow(/"users"/);
    await expect(query(`UPDATE certificates SET status = 'lost'`)).rejects.toThrow(
      /certificates_status_check/,
    );
    await query(`DELETE FROM user_groups WHERE group_name = 'ops'`);
  });

  it('gives dashboards a read-only role', async () => {
    const client = await bed.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE certm3_reader');
      await client.query('SELECT count(*) FROM users');
      await client.query('SELECT * FROM certm3.applied_position');
      await client.query(`SELECT certm3.has_applied('1/1')`);
      await expect(client.query(`UPDATE users SET username = 'x'`)).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    const hidden = await bed.pool.connect();
    try {
      await hidden.query('BEGIN');
      await hidden.query('SET LOCAL ROLE certm3_reader');
      await hidden.query(
        'SELECT id, username, email, is_active, created_at, updated_at, updated_by FROM users',
      );
      await expect(hidden.query('SELECT password_hash FROM users')).rejects.toThrow(/permission denied/);
    } finally {
      await hidden.query('ROLLBACK');
      hidden.release();
    }
    const privileges = await query<{ privilege_type: string }>(
      `SELECT DISTINCT privilege_type FROM information_schema.role_table_grants WHERE grantee = 'certm3_reader' AND table_schema IN ('public', 'certm3')`,
    );
    expect(privileges.map((row) => row.privilege_type)).toEqual(['SELECT']);
  });

  it('takes the table-level SELECT on users back from a reader of an earlier release (upgraded in place)', async () => {
    await query('GRANT SELECT ON users TO certm3_reader');
    await prepare();
    const [row] = await query<{ table: boolean; hash: boolean; email: boolean }>(
      `SELECT has_table_privilege('certm3_reader', 'public.users', 'SELECT') AS table,
              has_column_privilege('certm3_reader', 'public.users', 'password_hash', 'SELECT') AS hash,
              has_column_privilege('certm3_reader', 'public.users', 'email', 'SELECT') AS email`,
    );
    expect(row).toEqual({ table: false, hash: false, email: true });
  });
});
