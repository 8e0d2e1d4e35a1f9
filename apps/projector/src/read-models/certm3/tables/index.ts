import { DatabaseOf } from '@certm3/projection';
import { certificates } from './certificates.table';
import { groups } from './groups.table';
import { userGroups } from './user-groups.table';
import { users } from './users.table';

export { certificates, groups, userGroups, users };

/** The certm3 tables as kysely sees them, inferred from their definitions. */
export type Certm3Database = DatabaseOf<
  [typeof users, typeof groups, typeof userGroups, typeof certificates]
>;
