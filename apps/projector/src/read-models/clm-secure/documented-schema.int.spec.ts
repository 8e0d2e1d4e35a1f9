import { PoolClient } from 'pg';
import { PROJECTION_WRITER_SETTING } from '@certm3/projection';
import { itHasTheDocumentedSchema } from '../../testing/documented-schema';
import { schemaTestBed } from '../../testing/schema-test-bed';
import { clmSecureModel } from './clm-secure.model';
import * as documented from './documented-schema.fixture';
import {
  ACTIVE_CERTIFICATES,
  AUDIT_TRAIL,
  CLOSED_TO_READER,
  EXPIRING_CERTIFICATES,
  READABLE,
} from './documented-schema.fixture';

// clm_secure_db as schema sync builds it, against seed 001 as the fixture encodes it.
describe('clm_secure read model schema', () => {
  const bed = schemaTestBed(clmSecureModel, 'clm_secure_schema');
  const { query, prepare, rolledBack } = bed;

  const owner = '11111111-1111-4111-8111-111111111111';
  const other = '22222222-2222-4222-8222-222222222222';
  const id = (n: number) => `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`;
  /** A certificate row: `notAfter` is SQL (relative to now() where a view needs it). */
  const insertCertificate = (
    client: PoolClient,
    n: number,
    row: { owner?: string; status?: string; notAfter?: string; deleted?: boolean } = {},
  ) =>
    client.query(
      `INSERT INTO certificates (id, certificate_id, common_name, serial_number, issuer, subject, not_before, not_after,
                                 status, owner_user_id, certificate_pem, public_key_fingerprint, created_at, updated_at, deleted_at)
       VALUES ($1, $1, $2, $3, 'CN=ca', 'CN=' || $2, now() - interval '1 day', ${row.notAfter ?? `now() + interval '1 year'`},
               $4, $5, '-----BEGIN CERTIFICATE-----', 'ab', now(), now(), $6)`,
      [
        id(n),
        `host-${n}.example.com`,
        `0${n}`,
        row.status ?? 'active',
        row.owner ?? owner,
        row.deleted ? new Date() : null,
      ],
    );
  const asReader = async <T>(client: PoolClient, work: () => Promise<T>) => {
    await client.query('SET LOCAL ROLE clm_secure_reader');
    const result = await work();
    await client.query('RESET ROLE');
    return result;
  };

  itHasTheDocumentedSchema(bed, documented);

  it('lets clm_secure_reader select the certificates, requests, rotations, audit trail and views, nothing of the keys', () =>
    rolledBack(async (client) => {
      await insertCertificate(client, 1);
      await asReader(client, async () => {
        for (const relation of READABLE) await client.query(`SELECT * FROM ${relation}`);
        for (const relation of CLOSED_TO_READER)
          for (const column of ['*', relation === 'private_keys' ? 'id' : 'key_id']) {
            await client.query('SAVEPOINT denied');
            await expect(client.query(`SELECT ${column} FROM ${relation}`)).rejects.toThrow(
              /permission denied/,
            );
            await client.query('ROLLBACK TO SAVEPOINT denied');
          }
        await client.query('SAVEPOINT denied');
        await expect(client.query(`UPDATE certificates SET status = 'revoked'`)).rejects.toThrow(
          /permission denied/,
        );
        await client.query('ROLLBACK TO SAVEPOINT denied');
      });
    }));

  it('takes back any grant on the key tables a reader holds (a database upgraded in place)', async () => {
    await query('GRANT SELECT ON private_keys TO clm_secure_reader');
    await query('GRANT SELECT (key_id, key_status) ON encryption_keys TO clm_secure_reader');
    await prepare();
    const [row] = await query<Record<string, boolean>>(
      `SELECT has_table_privilege('clm_secure_reader', 'public.private_keys', 'SELECT') AS private_keys,
              has_any_column_privilege('clm_secure_reader', 'public.private_keys', 'SELECT') AS private_keys_columns,
              has_any_column_privilege('clm_secure_reader', 'public.encryption_keys', 'SELECT') AS encryption_keys_columns,
              has_table_privilege('clm_secure_reader', 'public.certificates', 'SELECT') AS certificates`,
    );
    expect(row).toEqual({
      private_keys: false,
      private_keys_columns: false,
      encryption_keys_columns: false,
      certificates: true,
    });
  });

  it("answers the seed's Active Certificates query, as written with an owner's id: active, not deleted, soonest first", () =>
    rolledBack(async (client) => {
      await insertCertificate(client, 1, { notAfter: `now() + interval '200 days'` });
      await insertCertificate(client, 2, { notAfter: `now() + interval '100 days'` });
      await insertCertificate(client, 3, { status: 'revoked' });
      await insertCertificate(client, 4, { status: 'expiring' });
      await insertCertificate(client, 5, { deleted: true });
      await insertCertificate(client, 6, { owner: other });
      const { rows } = await asReader(client, () =>
        client.query(ACTIVE_CERTIFICATES.replace('user-uuid', owner)),
      );
      expect(rows).toEqual([
        {
          certificate_id: id(2),
          common_name: 'host-2.example.com',
          not_after: expect.any(Date),
          status: 'active',
        },
        {
          certificate_id: id(1),
          common_name: 'host-1.example.com',
          not_after: expect.any(Date),
          status: 'active',
        },
      ]);
    }));

  it("answers the seed's Expiring Certificates query, as written: active or expiring within 30 days, with days left", () =>
    rolledBack(async (client) => {
      await insertCertificate(client, 1, { notAfter: `now() + interval '10 days'` });
      await insertCertificate(client, 2, {
        notAfter: `now() + interval '20 days 6 hours'`,
        status: 'expiring',
      });
      await insertCertificate(client, 3, { notAfter: `now() + interval '40 days'` });
      await insertCertificate(client, 4, { notAfter: `now() + interval '5 days'`, status: 'revoked' });
      await insertCertificate(client, 5, { notAfter: `now() + interval '5 days'`, deleted: true });
      await insertCertificate(client, 6, { notAfter: `now() - interval '1 day'` });
      await insertCertificate(client, 7, { notAfter: `now() + interval '5 days'`, status: 'suspended' });
      const { rows } = await asReader(client, () => client.query(EXPIRING_CERTIFICATES));
      expect(
        rows
          .map((row) => ({ id: row.certificate_id, days: row.days_until_expiry, status: row.status }))
          .sort((a, b) => a.days - b.days),
      ).toEqual([
        { id: id(1), days: 10, status: 'active' },
        { id: id(2), days: 20, status: 'expiring' },
      ]);
      expect(Object.keys(rows[0])).not.toContain('certificate_pem');
      // The renewal links come after the columns the view had before them.
      expect(Object.keys(rows[0]).slice(-3)).toEqual(['days_until_expiry', 'renewal_of', 'successor_id']);
    }));

  it("answers the seed's Audit Trail query, as written with a certificate's id: its operations, newest first", () =>
    rolledBack(async (client) => {
      const audit = (n: number, resource: string, action: string, at: string) =>
        client.query(
          `INSERT INTO secure_audit_log (id, event_type, user_id, action, resource_type, resource_id, event_timestamp)
           VALUES ($1, 'Spec', $2, $3, 'certificate', $4, $5)`,
          [id(n), owner, action, resource, at],
        );
      await audit(1, id(10), 'sign', '2026-11-29T03:00:00Z');
      await audit(2, id(10), 'export', '2026-11-29T05:00:00Z');
      await audit(3, id(10), 'revoke', '2026-11-29T04:00:00Z');
      await audit(4, id(11), 'sign', '2026-11-29T06:00:00Z');
      const { rows } = await asReader(client, () => client.query(AUDIT_TRAIL.replace('cert-uuid', id(10))));
      expect(rows.map((row) => [row.action, row.user_id, row.event_timestamp.toISOString()])).toEqual([
        ['export', owner, '2026-11-29T05:00:00.000Z'],
        ['revoke', owner, '2026-11-29T04:00:00.000Z'],
        ['sign', owner, '2026-11-29T03:00:00.000Z'],
      ]);
      // Run as written, the placeholder is no certificate's id: nothing, and no error.
      expect((await client.query(AUDIT_TRAIL)).rows).toEqual([]);
    }));

  it('lists active and expiring certificates in active_certificates, without PEM or key fingerprint', () =>
    rolledBack(async (client) => {
      for (const [n, status] of [
        'active',
        'expiring',
        'pending',
        'revoked',
        'expired',
        'suspended',
      ].entries())
        await insertCertificate(client, n, { status });
      await insertCertificate(client, 9, { deleted: true });
      const { rows, fields } = await asReader(client, () =>
        client.query('SELECT * FROM active_certificates ORDER BY certificate_id'),
      );
      expect(rows.map((row) => [row.certificate_id, row.status])).toEqual([
        [id(0), 'active'],
        [id(1), 'expiring'],
      ]);
      const names = fields.map((field) => field.name);
      for (const hidden of ['certificate_pem', 'public_key_fingerprint']) expect(names).not.toContain(hidden);
      expect(names.slice(-3)).toEqual(['updated_at', 'renewal_of', 'successor_id']);
    }));

  it('lists a certificate’s revocations and holds, and lets only a hold be released', () =>
    rolledBack(async (client) => {
      await insertCertificate(client, 1, { status: 'suspended' });
      const revocation = (n: number, reason: string, code: number, released: boolean) =>
        client.query(
          `INSERT INTO certificate_revocations (id, certificate_id, revocation_reason, crl_reason_code, revoked_at,
                                                revoked_by, released_at, released_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, now(), $5, $6, $7, now(), now())`,
          [id(n), id(1), reason, code, owner, released ? new Date() : null, released ? owner : null],
        );
      await revocation(10, 'certificateHold', 6, true);
      await revocation(11, 'keyCompromise', 1, false);
      const { rows } = await asReader(client, () =>
        client.query(
          `SELECT revocation_reason, crl_reason_code FROM certificate_revocations WHERE certificate_id = $1 ORDER BY id`,
          [id(1)],
        ),
      );
      expect(rows).toEqual([
        { revocation_reason: 'certificateHold', crl_reason_code: 6 },
        { revocation_reason: 'keyCompromise', crl_reason_code: 1 },
      ]);
      await client.query('SAVEPOINT refused');
      await expect(revocation(12, 'superseded', 4, true)).rejects.toThrow(
        /certificate_revocations_release_only_holds/,
      );
      await client.query('ROLLBACK TO SAVEPOINT refused');
      await client.query('SAVEPOINT refused');
      await expect(revocation(13, 'removeFromCRL', 8, false)).rejects.toThrow(
        /certificate_revocations_revocation_reason_check/,
      );
      await client.query('ROLLBACK TO SAVEPOINT refused');
      await expect(
        revocation(14, 'certificateHold', 6, false).then(() => revocation(15, 'unspecified', 0, false)),
      ).resolves.toBeDefined();
      await expect(
        client.query(
          `INSERT INTO certificate_revocations (id, certificate_id, revocation_reason, crl_reason_code, revoked_at, created_at, updated_at)
           VALUES ($1, $2, 'superseded', 4, now(), now(), now())`,
          [id(16), id(99)],
        ),
      ).rejects.toThrow(/certificate_revocations_certificate_id_fkey/);
    }));

  it('keeps secure_audit_log append-only for every role, its owner included', async () => {
    const insert = `INSERT INTO secure_audit_log (id, event_type, action, resource_type, resource_id, event_timestamp)
      VALUES ('${id(1)}', 'CertificateIssued', 'sign', 'certificate', '${id(2)}', now())`;
    for (const statement of [
      `UPDATE secure_audit_log SET action = 'forged'`,
      'DELETE FROM secure_audit_log',
      'TRUNCATE secure_audit_log',
    ])
      await rolledBack(async (client) => {
        await client.query(insert);
        await expect(client.query(statement)).rejects.toThrow(/public\.secure_audit_log is append-only/);
      });
  });

  it('stamps updated_at with now() on a manual UPDATE, and keeps the time the projector writes', () =>
    rolledBack(async (client) => {
      await insertCertificate(client, 1);
      const updatedAt = async () =>
        (await client.query<{ at: Date }>('SELECT updated_at AS at FROM certificates')).rows[0].at;
      await client.query(`UPDATE certificates SET updated_at = '2026-11-29T03:00:00Z'`);
      await client.query(`UPDATE certificates SET status = 'suspended'`);
      expect(await updatedAt()).toEqual((await client.query('SELECT now()')).rows[0].now);
      await client.query(`SELECT set_config($1, 'on', true)`, [PROJECTION_WRITER_SETTING]);
      await client.query(`UPDATE certificates SET status = 'active', updated_at = '2026-11-29T04:00:00Z'`);
      expect(await updatedAt()).toEqual(new Date('2026-11-29T04:00:00Z'));
    }));

  it('refuses a private key whose certificate it does not list, and a certificate with no PEM unless pending', () =>
    rolledBack(async (client) => {
      await client.query('SAVEPOINT refused');
      await expect(
        client.query(
          `INSERT INTO private_keys (id, certificate_id, encrypted_key_material, data_key_id, key_algorithm, created_at, updated_at)
           VALUES ($1, $2, 'AQ==', $1, 'RSA', now(), now())`,
          [id(1), id(2)],
        ),
      ).rejects.toThrow(/private_keys_certificate_id_fkey/);
      await client.query('ROLLBACK TO SAVEPOINT refused');
      await expect(
        client.query(
          `INSERT INTO certificates (id, certificate_id, subject, status, created_at, updated_at)
           VALUES ($1, $1, 'CN=x', 'active', now(), now())`,
          [id(3)],
        ),
      ).rejects.toThrow(/certificates_pem_unless_pending/);
    }));
});
