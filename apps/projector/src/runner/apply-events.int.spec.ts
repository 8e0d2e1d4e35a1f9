import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { RecordedEvent } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { Certm3ReadModel } from '../read-model/certm3-tables';
import { migrateReadModel } from '../read-model/migrations';
import { applyEventsInTransaction, applyPlannedBatchInTransaction, planBatch } from './apply-events';

const SCHEMA = 'certm3_rebuild_test';

let position = 0n;
function registered(userId: string, actorId: string): RecordedEvent {
  position++;
  return {
    id: randomUUID(),
    type: 'UserRegistered',
    data: {
      userId,
      username: `user-${userId.slice(0, 8)}`,
      email: `${userId}@example.com`,
      passwordHash: 'h',
    },
    metadata: { actorId, occurredAt: '2026-11-29T04:00:00.000Z' },
    streamId: `user-${userId}`,
    revision: 0n,
    position: { commit: position, prepare: position },
    recordedAt: new Date(),
  };
}

// A rebuild plans its next batch while the one before is written; the plan is a proposal, checked against
// the checkpoint inside the transaction that applies it.
describe('applying a batch planned before its transaction', () => {
  let database: ScratchDatabase;
  let pool: Pool;
  let db: Kysely<Certm3ReadModel>;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_apply_events');
    pool = new Pool({ connectionString: database.url, max: 2 });
    db = new Kysely<Certm3ReadModel>({ dialect: new PostgresDialect({ pool }) });
    await migrateReadModel(db as Kysely<unknown>, SCHEMA);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('applies only the events after a checkpoint that moved since it was planned', async () => {
    const [admin, alice, bob] = [randomUUID(), randomUUID(), randomUUID()];
    const events = [registered(admin, admin), registered(alice, admin), registered(bob, admin)];
    const plannedEarly = planBatch(db, SCHEMA, events, 'halt');

    // Meanwhile another writer (a crashed run's last batch, say) applied the first two.
    await db
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, SCHEMA, events.slice(0, 2), 'halt'));
    const result = await db.transaction().execute((trx) => applyPlannedBatchInTransaction(trx, plannedEarly));

    expect(result.applied).toBe(1);
    const users = await db.withSchema(SCHEMA).selectFrom('users').select('id').execute();
    expect(users.map((user) => user.id).sort()).toEqual([admin, alice, bob].sort());
    const checkpoint = await db
      .withSchema(SCHEMA)
      .selectFrom('projector_checkpoint')
      .select(['position', 'events_applied'])
      .executeTakeFirstOrThrow();
    expect(checkpoint.position).toBe(result.checkpoint);
    expect(String(checkpoint.events_applied)).toBe('3');
  });

  it('moves the checkpoint with the rows in one transaction, and neither when a statement fails', async () => {
    const [admin, carol] = [randomUUID(), randomUUID()];
    const before = await db
      .withSchema(SCHEMA)
      .selectFrom('projector_checkpoint')
      .select('position')
      .executeTakeFirstOrThrow();
    const first = registered(admin, admin);
    const duplicateEmail = registered(carol, admin);
    (duplicateEmail.data as { email: string }).email = `${admin}@example.com`;
    const batch = planBatch(db, SCHEMA, [first, duplicateEmail], 'halt');

    await expect(
      db.transaction().execute((trx) => applyPlannedBatchInTransaction(trx, batch)),
    ).rejects.toThrow(`cannot apply event UserRegistered (stream user-${carol}`);

    const after = await db
      .withSchema(SCHEMA)
      .selectFrom('projector_checkpoint')
      .select('position')
      .executeTakeFirstOrThrow();
    expect(after.position).toBe(before.position);
    const admins = await db
      .withSchema(SCHEMA)
      .selectFrom('users')
      .where('id', '=', admin)
      .selectAll()
      .execute();
    expect(admins).toHaveLength(0);
  });
});
