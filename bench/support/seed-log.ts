/** A log as a real deployment would have written it, appended straight through the event store port. */
import { randomUUID } from 'node:crypto';
import { USERS_GROUP_ID } from '@certm3/domain';
import { eventIdFor, EventToAppend, JsonObject, PostgresEventStore } from '@certm3/event-store';
import { log } from './log';
import { madeCertificates } from './pki-material';
import { scratchDatabase } from './scratch';

export function event(
  streamId: string,
  revision: number,
  type: string,
  data: JsonObject,
  actorId: string,
  occurredAt: string,
): EventToAppend {
  const commandId = randomUUID();
  return {
    id: eventIdFor(commandId, `${streamId}/${revision}`),
    type,
    data,
    metadata: { commandId, actorId, occurredAt, schemaVersion: 1 },
  };
}

/** 200,000 events a real deployment would have written: users joining "users", certificates and revocations. */
export async function seedLog(store: PostgresEventStore, total: number): Promise<void> {
  const admin = randomUUID();
  const at = new Date().toISOString();
  await store.append(
    `user-${admin}`,
    [
      event(
        `user-${admin}`,
        0,
        'UserRegistered',
        {
          userId: admin,
          username: 'admin',
          email: 'admin@example.com',
          passwordHash: 'scrypt$x',
          registration: 'bootstrap',
        },
        admin,
        at,
      ),
    ],
    { expectedRevision: 'no_stream' },
  );
  await store.append(
    'group-users',
    [
      event(
        'group-users',
        0,
        'GroupCreated',
        { groupId: USERS_GROUP_ID, name: 'users', description: null, system: true },
        admin,
        at,
      ),
    ],
    { expectedRevision: 'no_stream' },
  );
  await store.append(
    `user-${admin}`,
    [
      event(
        `user-${admin}`,
        1,
        'UserAddedToGroup',
        { userId: admin, groupName: 'users', groupId: USERS_GROUP_ID },
        admin,
        at,
      ),
    ],
    { expectedRevision: 0n },
  );
  const perUser = 5;
  let next = 0;
  const users = Math.floor((total - 3) / perUser);
  // Real certificates, each registered once, with the facts the write side reads out of them: a read model
  // may read the PEM itself (clm_secure does, for events that predate the facts it needs).
  const certificates = madeCertificates(users);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < users) {
        const index = next++;
        const userId = randomUUID();
        const certificateId = randomUUID();
        const stream = `user-${userId}`;
        await store.append(
          stream,
          [
            event(
              stream,
              0,
              'UserRegistered',
              {
                userId,
                username: `user${index}`,
                email: `user${index}@example.com`,
                passwordHash: 'scrypt$N=32768,r=8,p=1$c2FsdA==$aGFzaA==',
                registration: 'standard',
              },
              admin,
              at,
            ),
            event(
              stream,
              1,
              'UserAddedToGroup',
              { userId, groupName: 'users', groupId: USERS_GROUP_ID },
              admin,
              at,
            ),
            event(stream, 2, 'UserProfileUpdated', { userId, username: `user-${index}` }, admin, at),
          ],
          { expectedRevision: 'no_stream' },
        );
        const certificate = `certificate-${certificateId}`;
        const { pem, ...facts } = certificates[index];
        await store.append(
          certificate,
          [
            event(
              certificate,
              0,
              'CertificateRegistered',
              { certificateId, userId, certificateData: pem, ...facts },
              admin,
              at,
            ),
            event(certificate, 1, 'CertificateRevoked', { certificateId, reason: 'superseded' }, admin, at),
          ],
          { expectedRevision: 'no_stream' },
        );
      }
    }),
  );
}

/**
 * A scratch event store holding BENCH_PROJECTION_EVENTS (200,000 unless told) seeded events: the log the
 * projection catch-up rebuilds from and the audit stage replays. The caller closes it.
 */
export async function seededEventStore(): Promise<PostgresEventStore> {
  const events = await scratchDatabase('bench_proj_events');
  const store = await PostgresEventStore.connect({ url: events.url, poolSize: 20 });
  const total = Number(process.env.BENCH_PROJECTION_EVENTS ?? 200_000);
  log(`seeding ${total} events`);
  await seedLog(store, total);
  return store;
}
