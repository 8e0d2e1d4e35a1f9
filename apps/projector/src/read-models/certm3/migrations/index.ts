import { ReadModelMigration } from '@certm3/projection';
import { tablesToPublicSchema } from './0001-tables-to-public';
import { certificateSuspendedStatus } from './0002-certificate-suspended-status';

/** Append only: a database records each by name, and runs the ones it has not, in this order. */
export const CERTM3_MIGRATIONS: readonly ReadModelMigration[] = [
  tablesToPublicSchema,
  certificateSuspendedStatus,
];
