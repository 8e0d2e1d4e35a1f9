import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { canonicalJson } from '@certm3/common';
import { exportLog, history, REDACTED, stateAt, verifyLog } from '@certm3/audit';

import { collect, PostgresEventStore } from '@certm3/event-store';
import { startCommandApiInProcess } from '../apps/command-api/src/testing/in-process-command-api';
import { CommandClient } from './support/command-client';
import { appendRecordedLog, readRecordedLog, RecordedLog } from './support/recorded-log';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-database';

/**
 * A log written by the release before 2026-12 (commit c9b5a5e), recorded with its commands: its seals were
 * computed with the canonical JSON of that release, its outcomes hold the legacy body digest (a bare
 * SHA-256 over the whole body, password included), and its email reservations are schema version 1 (dated
 * only by their occurredAt). Stored hashes depend on those never drifting.
 */
const legacy: RecordedLog = readRecordedLog('legacy-log-c9b5a5e.json');
const passwords = legacy.commands
  .map((command) => command.body.password)
  .filter((password): password is string => typeof password === 'string');

describe('a log written by the previous release (c9b5a5e)', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let app: INestApplication;
  let client: CommandClient;
  const prefix = `certm3-legacy-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_legacy');
    store = await PostgresEventStore.connect({ url: database.url });
    await appendRecordedLog(store, legacy);
    app = await startCommandApiInProcess({ EVENT_STORE_URL: database.url, NATS_SUBJECT_PREFIX: prefix });
    client = await CommandClient.connect(prefix);
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  it('still verifies: every seal and link computed by the old canonical JSON holds', async () => {
    const all = await collect(store.readAll());
    // All that was added since is the upgrade that installed the system roles (see system-roles-upgrade).
    const legacyIds = new Set(legacy.events.map((event) => event.id));
    const added = all.filter((event) => !legacyIds.has(event.id));
    expect(added.length).toBeGreaterThan(0);
    // (and what every start records: the vault's first key, the older certificates' fingerprints).
    expect(
      added.every((event) =>
        ['InstallSystemRoles', 'RecordKeyVaultState', 'ReserveCertificateFingerprints'].includes(
          String(event.metadata.commandName),
        ),
      ),
    ).toBe(true);
    expect(await verifyLog(store.readAll())).toMatchObject({
      ok: true,
      eventsChecked: all.length,
      firstBrokenLink: null,
    });
  });

  it('still replays: state-at folds the old events with today’s deciders', async () => {
    const ada = legacy.commands.find((command) => command.body.username === 'ada')!;
    const adaId = (ada.reply as { data: { id: string } }).data.id;
    const now = await stateAt(store, 'user', adaId, new Date('2100-01-01T00:00:00Z'));
    expect(now.state).toMatchObject({ exists: true, email: 'ada@new.example', status: 'active' });
  });

  it('answers every recorded command id with its first reply, and a reused one with COMMAND_ID_REUSED', async () => {
    const before = (await collect(store.readAll())).length;
    for (const command of legacy.commands) {
      const reply = await client.reply(command.name, command.body, {
        commandId: command.commandId,
        actorId: command.actorId,
      });
      expect({ name: command.name, reply }).toMatchObject({ name: command.name, reply: command.reply });
    }
    const register = legacy.commands.find((command) => command.name === 'RegisterUser')!;
    const reused = await client.reply(
      'RegisterUser',
      { ...register.body, password: 'another password entirely' },
      { commandId: register.commandId, actorId: register.actorId },
    );
    expect(reused).toMatchObject({ ok: false, error: { code: 'COMMAND_ID_REUSED' } });
    expect((await collect(store.readAll())).length).toBe(before);
  });

  it('keeps its version-1 email reservations: an address in use stays taken, a freed one can be taken', async () => {
    const admin = legacy.commands[0].reply as { data: { id: string } };
    const register = (email: string) =>
      client.reply(
        'RegisterUser',
        { username: 'newcomer', email, password: 'a long enough password' },
        { actorId: admin.data.id },
      );
    expect(await register('ada@new.example')).toMatchObject({ ok: false, error: { code: 'EMAIL_TAKEN' } });
    expect(await register('ada@example.com')).toMatchObject({ ok: true });
  });

  it('shows no legacy body digest and no password hash in an export or a history (regression: 10 of 10 passwords recovered from an export)', async () => {
    const lines: string[] = [];
    await exportLog(store, {}, (line) => void lines.push(line));
    const exported = lines.join('');
    const stored = JSON.stringify(
      (await collect(store.readAll())).map(({ data, metadata }) => ({ data, metadata })),
    );
    // The attack: the digest of each candidate body, with the password guessed from a dictionary.
    for (const command of legacy.commands.filter((candidate) => 'password' in candidate.body)) {
      const guessed = createHash('sha256').update(canonicalJson(command.body)).digest('hex');
      expect(stored).toContain(guessed); // it is in the immutable log, as written then
      expect(exported).not.toContain(guessed);
    }
    for (const password of passwords) expect(exported).not.toContain(password);
    // Nor through the seal of the outcome that held it, whose every other input the export shows.
    for (const event of legacy.events.filter((candidate) => candidate.type.startsWith('Command'))) {
      const seal = event.metadata.integrity as { hash: string };
      expect(stored).toContain(seal.hash);
      expect(exported).not.toContain(seal.hash);
    }
    const digests = lines
      .map((line) => JSON.parse(line))
      .filter((event) => event.type === 'CommandSucceeded' || event.type === 'CommandRejected')
      .map((event) => event.data.bodyDigest as string);
    const legacyOutcomes = legacy.events.filter((event) => event.type.startsWith('Command')).length;
    expect(digests.filter((digest) => digest === REDACTED)).toHaveLength(legacyOutcomes);
    // Written since: a digest of the body without its secret fields, safe to show.
    expect(
      digests.filter((digest) => digest !== REDACTED).every((digest) => /^v2:[0-9a-f]{64}$/.test(digest)),
    ).toBe(true);
    const entries = await history(
      store,
      'user',
      (legacy.commands[1].reply as { data: { id: string } }).data.id,
    );
    expect(JSON.stringify(entries)).not.toMatch(/scrypt\$/);
  });
});
