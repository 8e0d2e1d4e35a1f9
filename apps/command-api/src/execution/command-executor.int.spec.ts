import { servicesWithoutVault } from '../testing/services-without-vault';
import { randomUUID } from 'node:crypto';
import {
  collect,
  PostgresEventStore,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { CommandContract } from '@certm3/contracts';
import { DomainError } from '@certm3/domain';
import { PasswordHasher } from '../security/password-hasher';
import { CommandContext, CommandResult } from './command-context';
import { CommandDefinition, CommandRun } from './command-definition';
import { CommandExecutor } from './command-executor';
import { StreamSession } from './stream-session';

type Decide = (session: StreamSession, run: CommandRun<never, unknown>) => Promise<CommandResult>;

/** A definition for these tests only: a contract of its own, deciding with `decide`. */
function definition(
  decide: Decide,
  options: { actor?: 'required' | 'none'; permission?: CommandContract['permission'] | null } = {},
): CommandDefinition {
  const actor = options.actor ?? 'none';
  const permission =
    options.permission === null
      ? undefined
      : (options.permission ?? (actor === 'required' ? 'groups:read' : { unauthenticated: 'a test' }));
  return {
    contract: { name: 'TestCommand', summary: 'test', actor, permission, body: {}, refusals: [] },
    decide: (run: CommandRun<never, unknown>) => decide(run.session, run),
  } as unknown as CommandDefinition;
}

describe('command executor', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  const services = servicesWithoutVault(new PasswordHasher(10));

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_executor');
    store = await PostgresEventStore.connect({ url: database.url });
    await store.append(
      `role-${readerRoleId}`,
      [
        event('RoleCreated', {
          roleId: readerRoleId,
          roleCode: 'GROUP_READER',
          name: 'reads groups',
          permissions: { groups: ['read'] } as never,
        }),
      ],
      { expectedRevision: 'no_stream' },
    );
  });
  const readerRoleId = randomUUID();
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const context = (actorId?: string): CommandContext => ({
    commandName: 'TestCommand',
    commandId: randomUUID(),
    correlationId: randomUUID(),
    actorId,
    bodyDigest: 'v2:digest',
    matchesRecorded: (recorded) => recorded.bodyDigest === 'v2:digest',
  });
  const executor = () => new CommandExecutor(store, services);

  const counter = {
    initialState: 0,
    evolve: (state: number) => state + 1,
    decide: () => [{ type: 'Counted', data: {} }],
  };
  const count =
    (streamId: string): Decide =>
    async (session) => {
      const { revision } = await session.decideAndAppend(streamId, counter, {});
      return { id: streamId, revision };
    };

  describe('optimistic concurrency', () => {
    it('retries a conflicting command a bounded number of times, then answers CONCURRENCY_CONFLICT and records nothing', async () => {
      const command = context();
      let attempts = 0;
      const reply = await executor().execute(
        definition(async () => {
          attempts++;
          throw new WrongExpectedRevisionError('group-busy', 3n, 4n);
        }),
        {},
        command,
      );
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'CONCURRENCY_CONFLICT', details: [{ stream: 'group-busy' }] },
      });
      expect(attempts).toBe(6);
      // Not recorded: the same command id may be retried later and succeed.
      await expect(collect(store.readStream(`command-${command.commandId}`))).rejects.toBeInstanceOf(
        StreamNotFoundError,
      );
      const retried = await executor().execute(
        definition(async () => ({ id: 'busy', revision: 5 })),
        {},
        command,
      );
      expect(retried).toMatchObject({ ok: true, data: { id: 'busy', revision: 5 } });
    });

    it('succeeds when a conflict clears before the attempts run out', async () => {
      let attempts = 0;
      const reply = await executor().execute(
        definition(async () => {
          if (++attempts < 3) throw new WrongExpectedRevisionError('group-busy', 3n, 4n);
          return { id: 'busy', revision: 4 };
        }),
        {},
        context(),
      );
      expect(reply).toMatchObject({ ok: true, data: { id: 'busy', revision: 4 } });
      expect(attempts).toBe(3);
    });

    it('decides again when a stream the decision only read moves before the commit (no decision on a stale read)', async () => {
      const watched = `counter-${randomUUID()}`;
      const written = `counter-${randomUUID()}`;
      await store.append(watched, [event('Counted')], { expectedRevision: 'no_stream' });
      const seen: number[] = [];
      const reply = await executor().execute(
        definition(async (session) => {
          const { state } = await session.load(watched, counter);
          seen.push(state);
          // Another writer moves the stream this decision read, before it commits.
          if (seen.length === 1) await store.append(watched, [event('Counted')], { expectedRevision: 0n });
          const { revision } = await session.decideAndAppend(written, counter, {});
          return { id: written, revision };
        }),
        {},
        context(randomUUID()),
      );
      expect(reply).toMatchObject({ ok: true });
      expect(seen).toEqual([1, 2]);
      expect(await collect(store.readStream(written))).toHaveLength(1);
    });
  });

  describe('outcomes', () => {
    it("writes a refused command's answer and none of the events it had decided", async () => {
      const command = context(randomUUID());
      const streamId = `counter-${randomUUID()}`;
      const reply = await executor().execute(
        definition(async (session) => {
          await session.decideAndAppend(streamId, counter, {});
          throw new DomainError('NOT_FOUND', 'refused after deciding');
        }),
        {},
        command,
      );
      expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      await expect(collect(store.readStream(streamId))).rejects.toBeInstanceOf(StreamNotFoundError);
      const [recorded] = await collect(store.readStream(`command-${command.commandId}`));
      expect(recorded.type).toBe('CommandRejected');
    });

    it("commits a command's events with its answer, so a delivery that lost the race writes nothing", async () => {
      const command = context(randomUUID());
      const [first, second] = [`counter-${randomUUID()}`, `counter-${randomUUID()}`];
      // Two deliveries of one command id run at once; the slower one decided on other streams.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const slow = executor().execute(
        definition(async (session) => {
          const { revision } = await session.decideAndAppend(second, counter, {});
          await held;
          return { id: 'second', revision };
        }),
        {},
        command,
      );
      const fast = await executor().execute(definition(count(first)), {}, command);
      release();
      expect(fast).toMatchObject({ ok: true, data: { id: first, revision: 0 } });
      expect(await slow).toEqual(fast);
      expect(store.multiStreamAppendIsAtomic).toBe(true);
      await expect(collect(store.readStream(second))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('answers with the log position of the last event, and a replay with the same position', async () => {
      const command = context(randomUUID());
      const streamId = `counter-${randomUUID()}`;
      const reply = await executor().execute(definition(count(streamId)), {}, command);
      if (!reply.ok) throw new Error(JSON.stringify(reply));
      const [outcome] = await collect(store.readStream(`command-${command.commandId}`));
      expect(reply.data.position).toBe(`${outcome.position.commit}/${outcome.position.prepare}`);
      const [written] = await collect(store.readStream(streamId));
      expect(written.position.commit).toBe(outcome.position.commit);
      expect(await executor().execute(definition(count(streamId)), {}, command)).toEqual(reply);
    });

    it('keeps the order events were decided in across streams (regression: bootstrap wrote the membership before the group)', async () => {
      const [user, group] = [`counter-${randomUUID()}`, `counter-${randomUUID()}`];
      const interleaved =
        (writeNow: boolean): Decide =>
        async (session) => {
          await session.decideAndAppend(user, counter, {});
          await session.decideAndAppend(group, counter, {});
          if (writeNow) await session.writeNow();
          session.append(await session.load(user, counter), [{ type: 'Counted', data: {} }]);
          return { id: user, revision: 1 };
        };
      const refused = await executor().execute(definition(interleaved(false)), {}, context(randomUUID()));
      expect(refused).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
      await executor().execute(definition(interleaved(true)), {}, context(randomUUID()));
      const order = [];
      for await (const recorded of store.readAll())
        if (recorded.streamId === user || recorded.streamId === group)
          order.push(`${recorded.streamId}/${recorded.revision}`);
      expect(order).toEqual([`${user}/0`, `${group}/0`, `${user}/1`]);
    });
  });

  describe('deny by default', () => {
    it('refuses to register or run a definition whose contract declares no permission', async () => {
      const undeclared = definition(count(`counter-${randomUUID()}`), {
        actor: 'required',
        permission: null,
      });
      expect(() => CommandExecutor.assertRunnable([undeclared])).toThrow(/declares no permission/);
      const command = context(randomUUID());
      expect(await executor().execute(undeclared, {}, command)).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await expect(collect(store.readStream(`command-${command.commandId}`))).rejects.toBeInstanceOf(
        StreamNotFoundError,
      );
    });

    it('refuses a malformed permission, and an unauthenticated command that names an actor requirement', () => {
      const decide = count('unused');
      expect(() =>
        CommandExecutor.assertRunnable([
          definition(decide, { actor: 'required', permission: 'everything' as never }),
        ]),
      ).toThrow(/not <resource>:<action>/);
      expect(() =>
        CommandExecutor.assertRunnable([
          definition(decide, { actor: 'required', permission: { unauthenticated: 'why not' } }),
        ]),
      ).toThrow(/declares no permission/);
    });
  });

  describe('the acting user', () => {
    async function registeredActor(): Promise<string> {
      const actorId = randomUUID();
      await store.append(
        `user-${actorId}`,
        [
          event('UserRegistered', { userId: actorId, username: 'actor', email: `${actorId}@example.com` }),
          event('RoleAssigned', {
            assignmentId: randomUUID(),
            userId: actorId,
            roleId: readerRoleId,
            roleCode: 'GROUP_READER',
            organizationId: null as never,
          }),
        ],
        { expectedRevision: 'no_stream' },
      );
      return actorId;
    }
    const byActor = (streamId: string) => definition(count(streamId), { actor: 'required' });

    it('is refused once deactivated elsewhere, although this instance last saw them active', async () => {
      const instance = executor();
      const actorId = await registeredActor();
      const streamId = `counter-${randomUUID()}`;
      expect(await instance.execute(byActor(streamId), {}, context(actorId))).toMatchObject({ ok: true });
      // Another instance deactivates the actor: this one's memory of them is now stale.
      await store.append(`user-${actorId}`, [event('UserDeactivated', { userId: actorId })], {
        expectedRevision: 1n,
      });
      expect(await instance.execute(byActor(streamId), {}, context(actorId))).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await collect(store.readStream(streamId))).toHaveLength(1);
    });

    it('gets a replayed command its first answer, though the actor has since been deactivated', async () => {
      const instance = executor();
      const actorId = await registeredActor();
      const command = context(actorId);
      const streamId = `counter-${randomUUID()}`;
      const first = await instance.execute(byActor(streamId), {}, command);
      await store.append(`user-${actorId}`, [event('UserDeactivated', { userId: actorId })], {
        expectedRevision: 1n,
      });
      await expect(executor().execute(byActor(streamId), {}, command)).resolves.toEqual(first);
      await expect(instance.execute(byActor(streamId), {}, command)).resolves.toEqual(first);
    });

    it('refuses an actor without the permission PERMISSION_DENIED, records the refusal and nothing else', async () => {
      const actorId = await registeredActor();
      const streamId = `counter-${randomUUID()}`;
      const command = context(actorId);
      const reply = await executor().execute(
        definition(count(streamId), { actor: 'required', permission: 'groups:delete' }),
        {},
        command,
      );
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'PERMISSION_DENIED', details: [{ permission: 'groups:delete' }] },
      });
      await expect(collect(store.readStream(streamId))).rejects.toBeInstanceOf(StreamNotFoundError);
      const [outcome] = await collect(store.readStream(`command-${command.commandId}`));
      expect(outcome.type).toBe('CommandRejected');
    });

    it('answers COMMAND_ID_REUSED to the same command id and body from another actor (regression: it got the first reply)', async () => {
      const [ada, bob] = [await registeredActor(), await registeredActor()];
      const command = context(ada);
      const streamId = `counter-${randomUUID()}`;
      expect(await executor().execute(byActor(streamId), {}, command)).toMatchObject({ ok: true });
      expect(await executor().execute(byActor(streamId), {}, { ...command, actorId: bob })).toMatchObject({
        ok: false,
        error: { code: 'COMMAND_ID_REUSED' },
      });
    });
  });
});

function event(type: string, data: Record<string, string | null> = {}) {
  return { id: randomUUID(), type, data, metadata: { occurredAt: new Date().toISOString() } };
}
