import { randomUUID } from 'node:crypto';
import { RecordedEvent } from '@certm3/event-store';
import { mergedStatements, planBatch } from '@certm3/projection';
import { certm3Model } from './certm3.model';

// Merging is decided from the plans, before anything reaches a database: these only compile.
const layout = { tables: 'public', bookkeeping: 'certm3', live: false };

let position = 0n;
function event(type: string, data: Record<string, unknown>, actorId: string): RecordedEvent {
  position++;
  return {
    id: randomUUID(),
    type,
    data: data as RecordedEvent['data'],
    metadata: { actorId, occurredAt: '2026-11-29T03:00:00.000Z' },
    streamId: 'any',
    revision: 0n,
    position: { commit: position, prepare: position },
    recordedAt: new Date(),
  };
}

const stepsOf = (events: RecordedEvent[]) =>
  planBatch(certm3Model, layout, events, 'halt').planned.flatMap((entry) => entry.steps);
const statementsOf = (events: RecordedEvent[]) =>
  mergedStatements('public', stepsOf(events), certm3Model.tableByName);

const kinds = (statements: string[]) =>
  statements.map((statement) => {
    const verb = statement.split(' ')[0].toLowerCase();
    const table = /"public"\."(\w+)"/.exec(statement)?.[1];
    return `${verb} ${table}${statement.includes('jsonb_to_recordset') ? ' merged' : ''}`;
  });

describe('merging a batch of certm3 projection statements', () => {
  const [admin, alice, bob, certificate] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const registered = (userId: string) =>
    event('UserRegistered', { userId, username: userId, email: `${userId}@x`, passwordHash: 'h' }, admin);

  it('merges changes of one shape to different rows, after what they depend on, and never across a delete', () => {
    const statements = statementsOf([
      registered(admin),
      registered(alice),
      registered(bob),
      event('UserAddedToGroup', { userId: alice, groupName: 'users' }, admin),
      event('UserProfileUpdated', { userId: alice, username: 'alice' }, admin),
      event('UserProfileUpdated', { userId: bob, username: 'bob' }, admin),
      event(
        'CertificateRegistered',
        { certificateId: certificate, userId: alice, certificateData: 'PEM' },
        admin,
      ),
      event('CertificateRevoked', { certificateId: certificate, reason: 'superseded' }, admin),
      event('GroupDeleted', { name: 'ops' }, admin),
      event('UserProfileUpdated', { userId: bob, username: 'robert' }, admin),
    ]);

    expect(kinds(statements)).toEqual([
      'insert users', // the administrator: everyone else names them as updated_by
      'insert users merged', // alice and bob
      'insert user_groups',
      'update users merged', // both renames: different rows
      'insert certificates',
      'update certificates', // after the certificate's insert
      'delete user_groups',
      'delete groups',
      'update users', // bob's second rename stays after the delete, and after his first
    ]);
  });

  it('keeps two changes of one row in their order, in different statements', () => {
    const statements = statementsOf([
      registered(admin),
      event('UserProfileUpdated', { userId: admin, username: 'first' }, admin),
      event('UserProfileUpdated', { userId: admin, username: 'second' }, admin),
    ]);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toContain("'first'");
    expect(statements[2]).toContain("'second'");
  });

  it('reads merged rows back with each column of the table definition, varchar as text', () => {
    const [insert] = statementsOf([registered(alice), registered(bob)]);
    expect(insert).toContain(
      'AS r("id" uuid, "username" text, "email" text, "password_hash" text, "is_active" boolean, "created_at" timestamp, "updated_at" timestamp, "updated_by" uuid)',
    );
  });
});
