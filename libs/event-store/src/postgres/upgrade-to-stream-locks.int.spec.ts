import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { collect } from '../port';
import { PostgresEventStore } from './postgres-event-store';
import { migrateEventStoreSchema } from './schema';

/**
 * Migration 4 replaces both append functions with versions that lock their streams first (see
 * write-skew-condition-checked-by-plain-read.int.spec.ts). A store written by the version 3 functions must
 * carry on at the right revisions, and a process of the previous release must be able to keep appending
 * through `append_to_stream` while the migration runs and after it, when its calls take the locks too.
 */
describe('PostgreSQL event store: upgrade to stream locks (migration 3 → 4)', () => {
  let database: ScratchDatabase;
  let previousRelease: Client;
  let migrator: Client;

  const appendAsPreviousRelease = (streamId: string, expected: bigint) =>
    previousRelease.query<{ next_revision: string }>(
      `SELECT * FROM append_to_stream($1, $2, ARRAY[$3]::uuid[], ARRAY['Happened']::text[],
                                      ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[])`,
      [streamId, expected.toString(), randomUUID()],
    );

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_es_upgrade_locks');
    previousRelease = new Client({ connectionString: database.url });
    migrator = new Client({ connectionString: database.url });
    await Promise.all([previousRelease.connect(), migrator.connect()]);
    await migrateEventStoreSchema(migrator, { upToVersion: 3 });
  });
  afterAll(async () => {
    await Promise.all([previousRelease.end(), migrator.end()]);
    await database.drop();
  });

  it('keeps a previous-release caller appending through the migration, then its calls take the lock', async () => {
    // Written by the version 3 functions: a multi-stream append, then single-stream ones.
    await previousRelease.query(
      `SELECT * FROM append_batch(ARRAY[1, 1], ARRAY['old-a', 'old-b'], ARRAY[-2, -2]::bigint[], ARRAY[1, 2],
                                  ARRAY[$1, $2]::uuid[], ARRAY['Happened', 'Happened'],
                                  ARRAY['{}', '{}']::jsonb[], ARRAY['{}', '{}']::jsonb[])`,
      [randomUUID(), randomUUID()],
    );
    let revision = 0n;
    for (; revision < 3n; revision++) await appendAsPreviousRelease('old-a', revision);

    // The previous release keeps appending, one call after another, while this release migrates.
    let migrated = false;
    let beforeMigrated = 0;
    let afterMigration = 0;
    const appending = (async () => {
      while (!migrated || afterMigration < 20) {
        const started = migrated;
        const { rows } = await appendAsPreviousRelease('old-a', revision);
        revision = BigInt(rows[0].next_revision);
        if (started) afterMigration++;
        else beforeMigrated++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await migrateEventStoreSchema(migrator);
    migrated = true;
    await appending;
    expect(beforeMigrated).toBeGreaterThan(0);

    const { rows: versions } = await migrator.query(
      'SELECT version FROM event_store_migrations ORDER BY version',
    );
    expect(versions.map((row) => row.version)).toEqual([1, 2, 3, 4]);

    // Its calls now take the stream's exclusive lock, keyed as the store's are.
    await previousRelease.query('BEGIN');
    await appendAsPreviousRelease('old-a', revision);
    const { rows: locks } = await migrator.query<{ mode: string; key: string; expected: string }>(
      `SELECT l.mode, ((l.classid::bigint << 32) | l.objid::bigint)::text AS key,
              hashtextextended('old-a', 0)::text AS expected
       FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = $1`,
      [(previousRelease as unknown as { processID: number }).processID],
    );
    await previousRelease.query('COMMIT');
    revision++;
    expect(locks).toHaveLength(1);
    expect(locks[0].mode).toBe('ExclusiveLock');
    expect(BigInt.asIntN(64, BigInt(locks[0].key))).toBe(BigInt(locks[0].expected));

    // This release carries on at the revisions the previous one left.
    const store = await PostgresEventStore.connect({ url: database.url });
    try {
      const [a, b] = await store.appendToStreams([
        {
          streamId: 'old-a',
          events: [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }],
          expectedRevision: revision,
        },
        {
          streamId: 'old-b',
          events: [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }],
          expectedRevision: 0n,
        },
      ]);
      expect([a.nextRevision, b.nextRevision]).toEqual([revision + 1n, 1n]);
      const revisions = (await collect(store.readStream('old-a'))).map((event) => event.revision);
      expect(revisions).toEqual(Array.from({ length: Number(revision) + 2 }, (_, index) => BigInt(index)));
    } finally {
      await store.close();
    }
  });
});
