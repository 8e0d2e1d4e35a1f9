import { upcastEventData } from '@certm3/domain';
import { defineReadModel } from './kit';
import { CERTM3_MIGRATIONS } from './migrations';
import { certificatesProjection } from './projections/certificates.projection';
import { groupsProjection } from './projections/groups.projection';
import { usersProjection } from './projections/users.projection';

/**
 * The certM3 read model of seed 000: users, groups, user_groups, certificates, in schema public of their own
 * database, with the documented names, keys and indexes (see documented-schema.fixture.ts).
 */
export const certm3Model = defineReadModel({
  name: 'certm3',
  database: { setting: 'CERTM3_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/certm3' },
  readerRole: 'certm3_reader',
  // Parents before children: an event several projections handle runs their statements in this order.
  projections: [usersProjection, groupsProjection, certificatesProjection],
  // Reservations, the bootstrap marker and command outcomes change none of these tables.
  ignores: [
    'AdministratorBootstrapped',
    'EmailReserved',
    'EmailReleased',
    'CommandSucceeded',
    'CommandRejected',
  ],
  projectionVersion: 1,
  migrations: CERTM3_MIGRATIONS,
  upcast: upcastEventData,
});
