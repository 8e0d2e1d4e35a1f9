import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { RecordedEvent, serializePosition } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { scratchLayout } from '../model/define-read-model';
import { createModelCopy } from '../operations/scratch-schema';
import { EventSequence } from '../testing/recorded-events';
import { sampleModel } from '../testing/sample-model.fixture';
import {
  applyEventsInTransaction,
  applyPlannedBatchInTransaction,
  checkpointMoved,
  moveCheckpointQuery,
  planBatch,
  readCheckpoint,
  skipEventInTransaction,
} from './apply-batch';

const model = sampleModel();
const sequence = new EventSequence();
const metadata = { occurredAt: '2026-11-29T04:00:00.000Z' };
const created = (teamId: string, code = `team-${teamId.slice(0, 8)}`): RecordedEvent =>
  sequence.record(
    { type: 'TeamCreated', data: { teamId, code, name: code, settings: { tier: 'gold' } } },
    { metadata },
  );

// A rebuild plans its next batch while the one before is written; the plan is a proposal, checked against
// the checkpoint inside the transaction that applies it.
describe('applying a batch', () => {
  let database: ScratchDatabase;
  let pool: Pool;
  let db: Kysely<unknown>;
  const layout = scratchLayout('batches');

  beforeAll(async () => {
    database = await createScratchDatabase('projection_apply_batch');
    pool = new Pool({ connectionString: database.url, max: 2 });
    db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await createModelCopy(client, model, layout.tables);
    await client.end();
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const teamIds = async () =>
    (await pool.query(`SELECT id FROM batches.teams ORDER BY id`)).rows.map((row) => row.id as string);

  it('applies only the events after a checkpoint that moved since it was planned', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const events = ids.map((id) => created(id));
    const plannedEarly = planBatch(model, layout, events, 'halt');

    // Meanwhile another writer (a crashed run's last batch, say) applied the first two.
    await db
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, model, layout, events.slice(0, 2), 'halt'));
    const result = await db.transaction().execute((trx) => applyPlannedBatchInTransaction(trx, plannedEarly));

    expect(result.applied).toBe(1);
    expect(await teamIds()).toEqual([...ids].sort());
    const checkpoint = await readCheckpoint(db, model, layout);
    expect(checkpoint).toMatchObject({ position: result.checkpoint, eventsApplied: '3' });
  });

  it('moves the checkpoint with the rows in one transaction, and neither when a statement fails', async () => {
    const before = await readCheckpoint(db, model, layout);
    const [first, second] = [randomUUID(), randomUUID()];
    const original = created(first, `code-${first.slice(0, 8)}`);
    const duplicateCode = created(second, `code-${first.slice(0, 8)}`);
    const batch = planBatch(model, layout, [original, duplicateCode], 'halt');

    await expect(
      db.transaction().execute((trx) => applyPlannedBatchInTransaction(trx, batch)),
    ).rejects.toThrow(`cannot apply event TeamCreated (stream ${duplicateCode.streamId}`);
    expect(await readCheckpoint(db, model, layout)).toEqual(before);
    expect(await teamIds()).not.toContain(first);
  });

  it('tells its observer when a merged batch fell back to one statement at a time, with the same outcome', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    // Two renames of different rows merge into one UPDATE; the second row does not exist, so the merged
    // statement's row count fails, and one by one the batch names the event.
    await db
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, model, layout, [created(a)], 'halt'));
    const renames = [
      sequence.record({ type: 'TeamRenamed', data: { teamId: a, name: 'renamed' } }, { metadata }),
      sequence.record({ type: 'TeamRenamed', data: { teamId: b, name: 'ghost' } }, { metadata }),
    ];
    const fallbacks: unknown[] = [];
    const observer = { mergedBatchFellBack: (error: unknown) => fallbacks.push(error) };
    await expect(
      db
        .transaction()
        .execute((trx) => applyEventsInTransaction(trx, model, layout, renames, 'halt', observer)),
    ).rejects.toThrow(`teams row id=${b}: expected to change 1 row, changed 0`);
    expect(fallbacks).toHaveLength(1);
    expect(String(fallbacks[0])).toContain('row count');
  });

  // Regression: an operator's skip wrote the skipped event's position into the checkpoint whatever it held,
  // so after a rebuild had moved past the halted event the skip took the checkpoint back.
  it('never moves the checkpoint backwards: a skip of an event it has passed writes nothing', async () => {
    const events = [created(randomUUID()), created(randomUUID())];
    await db.transaction().execute((trx) => applyEventsInTransaction(trx, model, layout, events, 'halt'));
    const before = await readCheckpoint(db, model, layout);
    const recorded = () =>
      pool.query(`SELECT reason FROM batches.projector_skipped_events WHERE position = $1`, [
        serializePosition(events[0].position),
      ]);

    const result = await db
      .transaction()
      .execute((trx) => skipEventInTransaction(trx, model, layout, events[0], 'skipped by an operator'));

    expect(result).toEqual({ skipped: false, checkpoint: before!.position });
    expect(await readCheckpoint(db, model, layout)).toEqual(before);
    expect((await recorded()).rows).toEqual([]);
    // The one statement that writes the checkpoint changes nothing when told to go back; its callers fail.
    const back = serializePosition(events[0].position);
    const moved = await db.executeQuery(
      moveCheckpointQuery(db, model, layout, back, { now: new Date().toISOString() }),
    );
    expect(moved.numAffectedRows).toBe(0n);
    expect(() => checkpointMoved(moved, model, back)).toThrow(
      `sample: refusing to move the checkpoint back to ${back}: events after it are applied already`,
    );
    expect(await readCheckpoint(db, model, layout)).toEqual(before);
  });

  it('leaves ignored event types out and halts on, or records, types the model does not know', async () => {
    const ignored = sequence.record({ type: 'Pinged', data: {} }, { metadata });
    const unknown = sequence.record({ type: 'TeamSuspended', data: {} }, { metadata });
    expect(planBatch(model, layout, [ignored], 'halt').planned).toEqual([
      { event: ignored, steps: [], skipped: undefined },
    ]);
    expect(planBatch(model, layout, [ignored, unknown], 'halt').failure?.message).toContain(
      'unknown event type "TeamSuspended" (policy: halt until upgraded or skipped)',
    );
    await db
      .transaction()
      .execute((trx) => applyEventsInTransaction(trx, model, layout, [ignored, unknown], 'skip'));
    const skipped = await pool.query(`SELECT event_type, reason FROM batches.projector_skipped_events`);
    expect(skipped.rows).toEqual([
      { event_type: 'TeamSuspended', reason: 'unknown event type (policy: skip)' },
    ]);
  });
});
