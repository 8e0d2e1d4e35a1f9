import { ClientBase, escapeIdentifier as id } from 'pg';
import { ReadModelMigration } from '@certm3/projection';
import { certificates } from '../tables/certificates.table';

const CONSTRAINT = 'certificates_status_check';

/**
 * Certificates on hold (#15) are `suspended`: the status check takes that value too. Sync creates what is
 * missing but never changes a constraint, so this replaces it with the definition's own (the expression
 * the table's DDL writes). A fresh database has no table yet, and nothing to change.
 */
export const certificateSuspendedStatus: ReadModelMigration = {
  name: '0002_certificate_suspended_status',
  async up(client: ClientBase, layout) {
    const { rowCount } = await client.query(
      'SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2',
      [layout.tables, certificates.name],
    );
    if (!rowCount) return;
    const check = certificates.checks.find((candidate) => candidate.name === CONSTRAINT)!;
    const table = `${id(layout.tables)}.${id(certificates.name)}`;
    await client.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${id(CONSTRAINT)}`);
    await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${id(CONSTRAINT)} CHECK (${check.expression})`);
  },
};
