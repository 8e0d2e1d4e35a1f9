import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import {
  eventIdFor,
  EventToAppend,
  JsonObject,
  PostgresEventStore,
  sealMetadata,
  sealOf,
} from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { history, stateAt } from './audit-queries';
import { REDACTED } from './redact';
import { verifyLog } from './verify-log';

const ROOT = join(__dirname, '../../..');
const actor = '99999999-9999-4999-8999-999999999999';

/** Appends `events` to `streamId` sealed the way the command API seals them, at the given instants. */
async function appendSealed(
  store: PostgresEventStore,
  streamId: string,
  events: { type: string; data: JsonObject; occurredAt: string }[],
): Promise<void> {
  let previous: string | null = null;
  let revision = 0n;
  const toAppend: EventToAppend[] = events.map((event) => {
    const commandId = randomUUID();
    const metadata = sealMetadata(
      {
        streamId,
        revision,
        type: event.type,
        data: event.data,
        metadata: {
          eventId: eventIdFor(commandId, 0),
          commandId,
          correlationId: commandId,
          causationId: commandId,
          actorId: actor,
          occurredAt: event.occurredAt,
          schemaVersion: 1,
        },
      },
      previous,
    );
    previous = sealOf({ metadata })!.hash;
    revision++;
    return { id: eventIdFor(commandId, 0), type: event.type, data: event.data, metadata };
  });
  await store.append(streamId, toAppend, { expectedRevision: 'no_stream' });
}

const userId = '11111111-1111-4111-8111-111111111111';
const adaHistory: { type: string; data: JsonObject; occurredAt: string }[] = [
  {
    type: 'UserRegistered',
    data: {
      userId,
      username: 'ada',
      email: 'ada@example.com',
      passwordHash: 'scrypt$N=32768,r=8,p=1$c2FsdA==$aGFzaA==',
      registration: 'standard',
    },
    occurredAt: '2026-01-01T10:00:00.000Z',
  },
  {
    type: 'UserAddedToGroup',
    data: { userId, groupName: 'users', groupId: '5f2c8d2e-3b1a-5c7e-9a40-6d1e2f3a4b5c' },
    occurredAt: '2026-01-01T10:00:00.000Z',
  },
  {
    type: 'UserEmailChanged',
    data: { userId, email: 'ada@new.example', previousEmail: 'ada@example.com' },
    occurredAt: '2026-02-01T10:00:00.000Z',
  },
  { type: 'UserDeactivated', data: { userId, reason: 'left' }, occurredAt: '2026-03-01T10:00:00.000Z' },
];

describe('audit: history, state at an instant, and tamper evidence', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_audit');
    store = await PostgresEventStore.connect({ url: database.url });
    await appendSealed(store, `user-${userId}`, adaHistory);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('lists an entity’s history with actor, command and correlation, the password hash redacted', async () => {
    const entries = await history(store, 'user', userId);
    expect(entries.map((entry) => [entry.revision, entry.type, entry.occurredAt])).toEqual(
      adaHistory.map((event, index) => [index, event.type, event.occurredAt]),
    );
    expect(entries[0]).toMatchObject({
      actorId: actor,
      data: { passwordHash: REDACTED, email: 'ada@example.com' },
    });
    expect(entries[0].summary).toContain('UserRegistered');
    expect(entries[0].summary).not.toContain('scrypt');
    expect(await history(store, 'user', randomUUID())).toEqual([]);
  });

  it('folds the entity as it was at any instant, with the domain’s own rules', async () => {
    const at = async (instant: string) => (await stateAt(store, 'user', userId, new Date(instant))).state;
    expect(await at('2025-12-31T00:00:00Z')).toBeNull();
    expect(await at('2026-01-15T00:00:00Z')).toMatchObject({
      exists: true,
      email: 'ada@example.com',
      status: 'active',
      groups: { users: { groupName: 'users' } },
    });
    expect(await at('2026-02-01T10:00:00.000Z')).toMatchObject({
      email: 'ada@new.example',
      status: 'active',
    });
    expect(await at('2026-06-01T00:00:00Z')).toMatchObject({ email: 'ada@new.example', status: 'inactive' });
    expect((await stateAt(store, 'user', userId, new Date('2026-06-01T00:00:00Z'))).lastEvent).toEqual({
      revision: 3,
      type: 'UserDeactivated',
      occurredAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('verifies an untouched log', async () => {
    expect(await verifyLog(store.readAll())).toEqual({
      ok: true,
      eventsChecked: 4,
      streams: 1,
      firstBrokenLink: null,
    });
  });

  describe('tampering with the PostgreSQL event store directly', () => {
    let tampered: ScratchDatabase;
    let tamperedStore: PostgresEventStore;
    let sql: Client;

    beforeEach(async () => {
      tampered = await createScratchDatabase('certm3_audit_tamper');
      tamperedStore = await PostgresEventStore.connect({ url: tampered.url });
      await appendSealed(tamperedStore, `user-${userId}`, adaHistory);
      await appendSealed(tamperedStore, 'user-other', adaHistory.slice(0, 2));
      sql = new Client({ connectionString: tampered.url });
      await sql.connect();
    });
    afterEach(async () => {
      await sql.end();
      await tamperedStore.close();
      await tampered.drop();
    });

    it('names an event whose data was edited', async () => {
      await sql.query(
        `UPDATE events SET data = jsonb_set(data, '{email}', '"mallory@example.com"') WHERE stream_id = $1 AND stream_revision = 2`,
        [`user-${userId}`],
      );
      const report = await verifyLog(tamperedStore.readAll());
      expect(report.firstBrokenLink).toMatchObject({
        streamId: `user-${userId}`,
        revision: '2',
        type: 'UserEmailChanged',
        problem: 'content-altered',
      });
    });

    it('names the event after one that was deleted', async () => {
      await sql.query(`DELETE FROM events WHERE stream_id = $1 AND stream_revision = 1`, [`user-${userId}`]);
      const report = await verifyLog(tamperedStore.readAll());
      expect(report.firstBrokenLink).toMatchObject({
        streamId: `user-${userId}`,
        revision: '2',
        problem: 'revision-gap',
      });
    });

    it('names events whose order was swapped', async () => {
      // Swap the contents of revisions 2 and 3: to a reader, the two events changed places.
      await sql.query(
        `
        WITH pair AS (SELECT global_position, stream_revision, event_type, data, metadata FROM events WHERE stream_id = $1 AND stream_revision IN (2, 3))
        UPDATE events e SET event_type = o.event_type, data = o.data, metadata = o.metadata
        FROM pair p JOIN pair o ON o.stream_revision <> p.stream_revision
        WHERE e.global_position = p.global_position`,
        [`user-${userId}`],
      );
      const report = await verifyLog(tamperedStore.readAll());
      expect(report.firstBrokenLink).toMatchObject({
        streamId: `user-${userId}`,
        revision: '2',
        type: 'UserDeactivated',
      });
      expect(['content-altered', 'chain-broken']).toContain(report.firstBrokenLink!.problem);
    });

    it('names an event whose metadata (its actor) was edited, through the command-line tool', async () => {
      await sql.query(
        `UPDATE events SET metadata = jsonb_set(metadata, '{actorId}', '"00000000-0000-4000-8000-000000000000"') WHERE stream_id = 'user-other' AND stream_revision = 0`,
      );
      const result = await promisify(execFile)(
        process.execPath,
        ['-r', '@swc-node/register', join(ROOT, 'apps/audit/src/main.ts'), 'verify'],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', EVENT_STORE_URL: tampered.url },
        },
      ).catch((error: { code: number; stdout: string }) => error);
      expect(result).toMatchObject({ code: 1 });
      expect(JSON.parse(result.stdout).firstBrokenLink).toMatchObject({
        streamId: 'user-other',
        revision: '0',
        problem: 'content-altered',
      });
    });
  });
});
