import { Kysely, PostgresDialect } from 'kysely';
import { Client } from 'pg';

/**
 * A kysely instance that runs everything on one pg client: the one holding the model's writer lock.
 * Writing through the lock's own connection fences it: if that connection dies, the lock is gone and so is
 * any transaction that was relying on it.
 */
export function kyselyOnClient<DB>(client: Client): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => Object.assign(client, { release: () => undefined }),
        end: async () => undefined,
      },
    }),
  });
}
