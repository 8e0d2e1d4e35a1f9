/**
 * Replay as the audit tooling does it: the export of the whole seeded log, and state-at on a stream of
 * 10,000 events appended for the purpose.
 */
import { randomUUID } from 'node:crypto';
import { exportLog, stateAt } from '@certm3/audit';
import { EventToAppend, PostgresEventStore } from '@certm3/event-store';
import { round } from '../measure';
import { log } from '../support/log';
import { event } from '../support/seed-log';

export async function auditReplay(store: PostgresEventStore) {
  log('exporting the log');
  const exportStarted = performance.now();
  const exported = await exportLog(store, {}, () => undefined);
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  const longStream = `user-${randomUUID()}`;
  const userId = longStream.slice(5);
  const at = new Date().toISOString();
  const longEvents: EventToAppend[] = [
    event(
      longStream,
      0,
      'UserRegistered',
      {
        userId,
        username: 'long',
        email: 'long@example.com',
        passwordHash: 'scrypt$x',
        registration: 'standard',
      },
      userId,
      at,
    ),
  ];
  for (let revision = 1; revision < 10_000; revision++)
    longEvents.push(
      event(longStream, revision, 'UserProfileUpdated', { userId, username: `long-${revision}` }, userId, at),
    );
  for (let offset = 0; offset < longEvents.length; offset += 1_000) {
    await store.append(longStream, longEvents.slice(offset, offset + 1_000), {
      expectedRevision: offset === 0 ? 'no_stream' : BigInt(offset - 1),
    });
  }
  const stateStarted = performance.now();
  await stateAt(store, 'user', userId, new Date(Date.now() + 60_000));
  const stateAtMs = round(performance.now() - stateStarted);
  return {
    exportEventsPerSecond: round(exported.exported / exportSeconds, 0),
    exportedEvents: exported.exported,
    stateAtOn10000EventStreamMs: stateAtMs,
  };
}

export type AuditReplay = Awaited<ReturnType<typeof auditReplay>>;
