import { randomUUID } from 'node:crypto';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { RecordedEvent } from '@certm3/event-store';
import { planCertm3Event } from '../read-model/certm3-projection';
import { Certm3ReadModel } from '../read-model/certm3-tables';
import { escapeLiteral } from 'pg';
import { mergedStatements, quoteLiteral } from './apply-events';

/** Compiles only: merging is decided from the plans, before anything reaches a database. */
const db = new Kysely<Certm3ReadModel>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
}).withSchema('certm3');

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

const kinds = (statements: string[]) =>
  statements.map((statement) => {
    const verb = statement.split(' ')[0].toLowerCase();
    const table = /"certm3"\."(\w+)"/.exec(statement)?.[1];
    return `${verb} ${table}${statement.includes('jsonb_to_recordset') ? ' merged' : ''}`;
  });

describe('merging a batch of projection statements', () => {
  const [admin, alice, bob, certificate] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const registered = (userId: string) =>
    event('UserRegistered', { userId, username: userId, email: `${userId}@x`, passwordHash: 'h' }, admin);

  it('merges changes of one shape to different rows, after what they depend on, and never across a delete', () => {
    const steps = [
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
    ].flatMap((recorded) => planCertm3Event(db, recorded).steps);

    expect(kinds(mergedStatements('certm3', steps))).toEqual([
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
    const steps = [
      registered(admin),
      event('UserProfileUpdated', { userId: admin, username: 'first' }, admin),
      event('UserProfileUpdated', { userId: admin, username: 'second' }, admin),
    ].flatMap((recorded) => planCertm3Event(db, recorded).steps);
    const statements = mergedStatements('certm3', steps);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toContain("'first'");
    expect(statements[2]).toContain("'second'");
  });
});

describe('quoteLiteral', () => {
  it("writes every string exactly as pg's escapeLiteral does", () => {
    const alphabet = ["'", '\\', '"', '$', 'a', 'é', '😀', '\n', ' ', 'E', '0'];
    const strings = ['', "'", '\\', "O'Brien", 'C:\\path\\', "\\'", "''\\\\''", '{"a":"b\\"c"}'];
    for (let index = 0; index < 2_000; index++) {
      const length = index % 12;
      strings.push(
        Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(''),
      );
    }
    for (const text of strings) expect(quoteLiteral(text)).toBe(escapeLiteral(text));
  });
});
