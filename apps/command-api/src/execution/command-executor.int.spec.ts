import { randomUUID } from 'node:crypto';
import {
  collect,
  PostgresEventStore,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { DomainError } from '@certm3/domain';
import { CommandContext } from './command-context';
import { CommandExecutor } from './command-executor';
import { StreamSession } from './stream-session';

describe('command executor: optimistic concurrency', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_executor');
    store = await PostgresEventStore.connect({ url: database.url });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const context = (): CommandContext => ({
    commandName: 'CreateGroup',
    commandId: randomUUID(),
    correlationId: randomUUID(),
    actorId: undefined,
    bodyDigest: 'digest',
  });

  it('retries a conflicting command a bounded number of times, then answers CONCURRENCY_CONFLICT and records nothing', async () => {
    const executor = new CommandExecutor(store);
    const command = context();
    let attempts = 0;
    const reply = await executor.execute(
      command,
      async () => {
        attempts++;
        throw new WrongExpectedRevisionError('group-busy', 3n, 4n);
      },
      { requiresActor: false },
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
    const retried = await executor.execute(command, async () => ({ id: 'busy', revision: 5 }), {
      requiresActor: false,
    });
    expect(retried).toEqual({ ok: true, data: { id: 'busy', revision: 5 } });
  });

  it('succeeds when a conflict clears before the attempts run out', async () => {
    const executor = new CommandExecutor(store);
    let attempts = 0;
    const reply = await executor.execute(
      context(),
      async () => {
        if (++attempts < 3) throw new WrongExpectedRevisionError('group-busy', 3n, 4n);
        return { id: 'busy', revision: 4 };
      },
      { requiresActor: false },
    );
    expect(reply).toEqual({ ok: true, data: { id: 'busy', revision: 4 } });
    expect(attempts).toBe(3);
  });

  const counter = {
    initialState: 0,
    evolve: (state: number) => state + 1,
    decide: () => [{ type: 'Counted', data: {} }],
  };

  it("writes a refused command's answer and none of the events it had decided", async () => {
    const executor = new CommandExecutor(store);
    const command = context();
    const streamId = `counter-${randomUUID()}`;
    const reply = await executor.execute(
      { ...command, actorId: randomUUID() },
      async (session) => {
        await session.decideAndAppend(streamId, counter, {});
        throw new DomainError('NOT_FOUND', 'refused after deciding');
      },
      { requiresActor: false },
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await expect(collect(store.readStream(streamId))).rejects.toBeInstanceOf(StreamNotFoundError);
    const [recorded] = await collect(store.readStream(`command-${command.commandId}`));
    expect(recorded.type).toBe('CommandRejected');
  });

  it("commits a command's events with its answer, so a delivery that lost the race writes nothing", async () => {
    const executor = new CommandExecutor(store);
    const command = { ...context(), actorId: randomUUID() };
    const [first, second] = [`counter-${randomUUID()}`, `counter-${randomUUID()}`];
    // Two deliveries of one command id run at once; the slower one decided on other streams.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = executor.execute(
      command,
      async (session) => {
        const { revision } = await session.decideAndAppend(second, counter, {});
        await held;
        return { id: 'second', revision };
      },
      { requiresActor: false },
    );
    const fast = await executor.execute(
      command,
      async (session) => {
        const { revision } = await session.decideAndAppend(first, counter, {});
        return { id: 'first', revision };
      },
      { requiresActor: false },
    );
    release();
    expect(fast).toEqual({ ok: true, data: { id: 'first', revision: 0 } });
    expect(await slow).toEqual(fast);
    expect(store.multiStreamAppendIsAtomic).toBe(true);
    await expect(collect(store.readStream(second))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  describe('the acting user', () => {
    const userEvent = (type: string, data: Record<string, string>) => ({
      id: randomUUID(),
      type,
      data,
      metadata: { occurredAt: new Date().toISOString() },
    });
    async function registeredActor(): Promise<string> {
      const actorId = randomUUID();
      await store.append(
        `user-${actorId}`,
        [
          userEvent('UserRegistered', {
            userId: actorId,
            username: 'actor',
            email: `${actorId}@example.com`,
          }),
        ],
        { expectedRevision: 'no_stream' },
      );
      return actorId;
    }
    const count = (streamId: string) => async (session: StreamSession) => {
      const { revision } = await session.decideAndAppend(streamId, counter, {});
      return { id: streamId, revision };
    };

    it('is refused once deactivated elsewhere, although this instance last saw them active', async () => {
      const executor = new CommandExecutor(store);
      const actorId = await registeredActor();
      const streamId = `counter-${randomUUID()}`;
      const first = await executor.execute({ ...context(), actorId }, count(streamId), {
        requiresActor: true,
      });
      expect(first).toMatchObject({ ok: true });
      // Another instance deactivates the actor: this one's memory of them is now stale.
      await store.append(`user-${actorId}`, [userEvent('UserDeactivated', { userId: actorId })], {
        expectedRevision: 0n,
      });
      const second = await executor.execute({ ...context(), actorId }, count(streamId), {
        requiresActor: true,
      });
      expect(second).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await collect(store.readStream(streamId))).toHaveLength(1);
    });

    it('gets a replayed command its first answer, though the actor has since been deactivated', async () => {
      const executor = new CommandExecutor(store);
      const actorId = await registeredActor();
      const command = { ...context(), actorId };
      const streamId = `counter-${randomUUID()}`;
      const first = await executor.execute(command, count(streamId), { requiresActor: true });
      await store.append(`user-${actorId}`, [userEvent('UserDeactivated', { userId: actorId })], {
        expectedRevision: 0n,
      });
      await expect(
        new CommandExecutor(store).execute(command, count(streamId), { requiresActor: true }),
      ).resolves.toEqual(first);
      await expect(executor.execute(command, count(streamId), { requiresActor: true })).resolves.toEqual(
        first,
      );
    });
  });

  it('keeps the order events were decided in across streams (regression: bootstrap wrote the membership before the group)', async () => {
    const executor = new CommandExecutor(store);
    const [user, group] = [`counter-${randomUUID()}`, `counter-${randomUUID()}`];
    const interleaved = (writeNow: boolean) => async (session: StreamSession) => {
      await session.decideAndAppend(user, counter, {});
      await session.decideAndAppend(group, counter, {});
      if (writeNow) await session.writeNow();
      session.append(await session.load(user, counter), [{ type: 'Counted', data: {} }]);
      return { id: user, revision: 1 };
    };
    const refused = await executor.execute({ ...context(), actorId: randomUUID() }, interleaved(false), {
      requiresActor: false,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    await executor.execute({ ...context(), actorId: randomUUID() }, interleaved(true), {
      requiresActor: false,
    });
    const order = [];
    for await (const event of store.readAll())
      if (event.streamId === user || event.streamId === group)
        order.push(`${event.streamId}/${event.revision}`);
    expect(order).toEqual([`${user}/0`, `${group}/0`, `${user}/1`]);
  });
});
