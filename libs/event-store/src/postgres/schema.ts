import { Client } from 'pg';
import { withAdvisoryLock } from '@certm3/pg-support';

/** Arbitrary but fixed: every certm3 process migrating the event store database takes this lock. */
const MIGRATION_LOCK_KEY = 0x63657274_6d330001n; // "certm3" + 1

export const NOTIFY_CHANNEL = 'certm3_events';

/**
 * Expected revisions travel to SQL as one bigint: >= 0 is an exact revision, negatives are the rules.
 * Kept in one place because the SQL function below and the adapter must agree.
 */
export const EXPECTED_ANY = -1n;
export const EXPECTED_NO_STREAM = -2n;
export const EXPECTED_STREAM_EXISTS = -3n;
/** SQLSTATE raised by append_to_stream on a stale expectation; DETAIL carries the actual revision. */
export const WRONG_EXPECTED_REVISION_SQLSTATE = 'CM001';

/** SQL that is true when a stream at revision `current` (-1: no events) does not meet `expected`. */
function staleExpectation(expected: string, current: string): string {
  return `((${expected} = ${EXPECTED_NO_STREAM} AND ${current} <> -1)
           OR (${expected} = ${EXPECTED_STREAM_EXISTS} AND ${current} = -1)
           OR (${expected} >= 0 AND ${current} <> ${expected}))`;
}

/** The single-stream functions' check, with the error the adapter turns into WrongExpectedRevisionError. */
const RAISE_ON_STALE_EXPECTATION = `IF ${staleExpectation('p_expected_revision', 'v_current')} THEN
          RAISE EXCEPTION USING
            ERRCODE = '${WRONG_EXPECTED_REVISION_SQLSTATE}',
            MESSAGE = format('wrong expected revision for stream %s', p_stream_id),
            DETAIL = v_current::text;
        END IF;`;

/** append_to_stream's insert of the events after v_current, in order, keeping the last global position. */
const INSERT_STREAM_EVENTS = `WITH inserted AS (
          INSERT INTO events (stream_id, stream_revision, event_id, event_type, data, metadata)
          SELECT p_stream_id, v_current + e.ordinality, e.event_id, e.event_type, e.data, e.metadata
          FROM unnest(p_event_ids, p_event_types, p_data, p_metadata)
               WITH ORDINALITY AS e(event_id, event_type, data, metadata, ordinality)
          ORDER BY e.ordinality
          RETURNING global_position
        )
        SELECT max(global_position) INTO v_last_position FROM inserted;`;

/**
 * append_to_stream's signature and result, shared by every version: processes of an earlier release call
 * it during a rolling upgrade, so it never changes.
 */
const APPEND_TO_STREAM_SIGNATURE = `append_to_stream(
        p_stream_id text,
        p_expected_revision bigint,
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb[]
      ) RETURNS TABLE (next_revision bigint, commit_position text, prepare_position bigint)
      LANGUAGE plpgsql AS $$`;

/**
 * The append function: checks the expected revision under the stream's row lock and inserts all events in
 * one statement. Version 1 notified listeners from inside the transaction, which serialises concurrent
 * commits on PostgreSQL's notification queue lock; version 2 leaves that to the appender, after commit.
 */
function appendToStreamFunction({ notifyInside }: { notifyInside: boolean }): string {
  return `
CREATE OR REPLACE FUNCTION ${APPEND_TO_STREAM_SIGNATURE}
      DECLARE
        v_current bigint;
        v_count bigint := cardinality(p_event_ids);
        v_last_position bigint;
      BEGIN
        -- Creating the row first makes concurrent first appends queue on it instead of racing past.
        INSERT INTO streams (stream_id, revision) VALUES (p_stream_id, -1) ON CONFLICT (stream_id) DO NOTHING;
        SELECT s.revision INTO v_current FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;

        ${RAISE_ON_STALE_EXPECTATION}

        UPDATE streams SET revision = v_current + v_count WHERE stream_id = p_stream_id;

        ${INSERT_STREAM_EVENTS}

        ${
          notifyInside
            ? `-- Delivered at commit only; subscribers then re-read, so the payload carries nothing.
        PERFORM pg_notify('${NOTIFY_CHANNEL}', '');`
            : '-- Subscribers are woken by the appender after commit (see CommitAnnouncer).'
        }

        RETURN QUERY SELECT v_current + v_count, pg_current_xact_id()::text, v_last_position;
      END;
      $$;`;
}

/**
 * Version 3: the expected revision is checked against the events themselves, and several appends —
 * each to one or more streams, each all-or-nothing — go in one call. The `streams` table of versions 1–2
 * cost a row lock, an update and (for a new stream) an insert per append; the unique (stream_id,
 * stream_revision) key already makes a racing writer fail, so it is gone. A writer that loses such a
 * race gets a unique violation, which the adapter turns into a wrong-expected-revision error (or a retry,
 * for expectations the race cannot break).
 *
 * append_batch takes streams numbered 1..n, each belonging to one request, and events each belonging to
 * one stream. A request any of whose streams is not at its expected revision writes nothing; the others
 * are written. It raises nothing for a stale expectation: it returns every stream's actual revision,
 * and the caller, who knows which request each stream belongs to, tells them apart. The streams of one
 * call must be distinct (the adapter never batches two appends to the same stream). Version 4 replaces it
 * with the same function taking its streams' locks first (`lockFirst`).
 */
function appendBatchFunction({ lockFirst }: { lockFirst: boolean }): string {
  return `
CREATE ${lockFirst ? 'OR REPLACE ' : ''}FUNCTION append_batch(
        p_stream_requests integer[],
        p_stream_ids text[],
        p_expected_revisions bigint[],
        p_event_streams integer[],
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb[]
      ) RETURNS TABLE (stream_index integer, actual_revision bigint, next_revision bigint,
                       commit_position text, prepare_position bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_current bigint[];
        v_refused integer[];${lockFirst ? '\n        v_lock record;' : ''}
      BEGIN
        ${lockFirst ? LOCK_BATCH_STREAMS : ''}SELECT array_agg(coalesce((SELECT max(e.stream_revision) FROM events e WHERE e.stream_id = s.stream_id), -1)
                         ORDER BY s.stream_index)
          INTO v_current
          FROM unnest(p_stream_ids) WITH ORDINALITY AS s(stream_id, stream_index);

        SELECT coalesce(array_agg(DISTINCT p_stream_requests[i]), '{}')
          INTO v_refused
          FROM generate_subscripts(p_stream_ids, 1) AS i
         WHERE ${staleExpectation('p_expected_revisions[i]', 'v_current[i]')};

        RETURN QUERY
        WITH inserted AS (
          INSERT INTO events (stream_id, stream_revision, event_id, event_type, data, metadata)
          SELECT p_stream_ids[e.stream],
                 v_current[e.stream] + row_number() OVER (PARTITION BY e.stream ORDER BY e.ordinality),
                 e.event_id, e.event_type, e.data, e.metadata
          FROM unnest(p_event_streams, p_event_ids, p_event_types, p_data, p_metadata)
               WITH ORDINALITY AS e(stream, event_id, event_type, data, metadata, ordinality)
          WHERE NOT (p_stream_requests[e.stream] = ANY (v_refused))
          ORDER BY e.ordinality
          RETURNING events.stream_id, events.stream_revision, events.global_position
        ), per_stream AS (
          SELECT i.stream_id, max(i.stream_revision) AS last_revision, max(i.global_position) AS last_position
          FROM inserted i GROUP BY i.stream_id
        )
        SELECT s.stream_index::integer, v_current[s.stream_index], w.last_revision,
               pg_current_xact_id()::text, w.last_position
        FROM unnest(p_stream_ids) WITH ORDINALITY AS s(stream_id, stream_index)
        LEFT JOIN per_stream w ON w.stream_id = s.stream_id;
      END;
      $$;`;
}

/**
 * Version 4: a condition holds at commit. Under READ COMMITTED, version 3 checked each expectation with a
 * plain read, so two transactions could each pass a check the other was about to break (write skew):
 * T1 finds user stream U at revision 5 and inserts a certificate while T2 appends U's revision 6, and both
 * commit. Now both functions first take transaction-scoped advisory locks keyed by
 * `hashtextextended(stream_id, 0)` — exclusive on every stream they append to, shared on every stream
 * they only check (in append_batch, a stream given no events) — and only then read revisions. A
 * condition's shared lock is held until commit, so no append to that stream can commit in between; two
 * conditions on one stream do not wait for each other.
 *
 * No deadlock among these locks: a call takes all of its locks before reading or writing anything, in
 * ascending key order, one mode per key (exclusive when a key is wanted both ways, which distinct streams
 * whose hashes collide can cause; never shared and then exclusive on one key, which two calls could
 * deadlock on). A collision only makes unrelated streams wait for each other; the lock still covers each.
 *
 * The functions stay VOLATILE (the default): then each statement after a lock takes a new snapshot and
 * sees what the lock's previous holder committed (PostgreSQL makes a commit visible before it releases
 * the transaction's locks). The transaction id, the first part of the global order, is assigned by the
 * first insert, after the locks: a transaction that waited for another one's lock sorts after it.
 *
 * Within one append_batch call every check happens before every insert, so two requests of a call must
 * not touch the same stream (one's condition would not see the other's append); the adapter's Coalescer
 * never batches requests whose streams (appended or only checked) overlap.
 *
 * Signatures, results and errors are unchanged: processes of the previous release keep calling both
 * during a rolling upgrade, and once this migration commits, their calls take the locks too.
 */
const LOCK_BATCH_STREAMS = `-- Every lock of the call first, in ascending key order, one mode per key (see version 4).
        FOR v_lock IN
          SELECT hashtextextended(p_stream_ids[s.i], 0) AS lock_key,
                 bool_or(w.stream IS NOT NULL) AS is_exclusive
            FROM generate_subscripts(p_stream_ids, 1) AS s(i)
            LEFT JOIN (SELECT DISTINCT u.stream FROM unnest(p_event_streams) AS u(stream)) w ON w.stream = s.i
           GROUP BY 1
           ORDER BY 1
        LOOP
          IF v_lock.is_exclusive THEN
            PERFORM pg_advisory_xact_lock(v_lock.lock_key);
          ELSE
            PERFORM pg_advisory_xact_lock_shared(v_lock.lock_key);
          END IF;
        END LOOP;

        `;

/**
 * The single-stream path of versions 3 and 4, checking the expectation against the events themselves;
 * version 4 takes the stream's exclusive lock first.
 */
function appendToStreamCheckingEvents({ lockFirst }: { lockFirst: boolean }): string {
  return `CREATE OR REPLACE FUNCTION ${APPEND_TO_STREAM_SIGNATURE}
      DECLARE
        v_current bigint;
        v_last_position bigint;
      BEGIN
        ${
          lockFirst
            ? `-- Waits for every transaction holding a condition on (or appending to) this stream (see version 4).
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_id, 0));

        `
            : ''
        }SELECT coalesce(max(e.stream_revision), -1) INTO v_current FROM events e WHERE e.stream_id = p_stream_id;

        ${RAISE_ON_STALE_EXPECTATION}

        ${INSERT_STREAM_EVENTS}

        RETURN QUERY SELECT v_current + cardinality(p_event_ids), pg_current_xact_id()::text, v_last_position;
      END;
      $$;`;
}

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append-only list: a released migration is never edited, only followed by a new one.
 *
 * Global order is (transaction_id, global_position), not global_position alone: sequence values are taken
 * before commit, so a transaction can commit after another that took a higher number. Readers only read
 * rows whose transaction is older than their snapshot's xmin (every transaction below it has finished),
 * so nothing can later appear behind a position a reader has already passed.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and streams',
    sql: `
      CREATE TABLE streams (
        stream_id text PRIMARY KEY,
        -- -1 while the appending transaction that creates the stream is still deciding
        revision bigint NOT NULL
      );

      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        stream_revision bigint NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_pkey PRIMARY KEY (global_position),
        CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_revision_check CHECK (stream_revision >= 0)
      );

      CREATE INDEX events_global_order_idx ON events (transaction_id, global_position);

      ${appendToStreamFunction({ notifyInside: true })}
    `,
  },
  {
    version: 2,
    name: 'notify after commit, from the appender',
    sql: appendToStreamFunction({ notifyInside: false }),
  },
  {
    version: 3,
    name: 'expected revisions checked against events; batched multi-stream appends',
    sql: `
      ${appendBatchFunction({ lockFirst: false })}

      -- The single-stream path, same signature and errors as before (a process of the previous release
      -- still running during a rolling upgrade keeps working); leaner than the general function.
      ${appendToStreamCheckingEvents({ lockFirst: false })}

      DROP TABLE streams;
      -- The previous release reads a stream's revision here (to tell a missing stream from an empty read);
      -- its processes may still run during a rolling upgrade.
      CREATE VIEW streams AS
        SELECT stream_id, max(stream_revision) AS revision FROM events GROUP BY stream_id;
    `,
  },
  {
    version: 4,
    name: 'advisory locks: appends exclusive, conditions shared, held to commit',
    sql: `
      ${appendBatchFunction({ lockFirst: true })}

      ${appendToStreamCheckingEvents({ lockFirst: true })}
    `,
  },
];

/**
 * Brings the schema up to date. Safe when several processes start at once: they queue on an advisory
 * lock and each re-reads the applied versions once it holds it. `upToVersion` is for upgrade tests.
 */
export async function migrateEventStoreSchema(
  client: Client,
  { upToVersion = Number.POSITIVE_INFINITY }: { upToVersion?: number } = {},
): Promise<void> {
  await withAdvisoryLock(client, MIGRATION_LOCK_KEY, async () => {
    await client.query(`
      CREATE TABLE IF NOT EXISTS event_store_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM event_store_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version) || migration.version > upToVersion) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO event_store_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  });
}
