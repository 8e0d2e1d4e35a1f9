import { randomUUID } from 'node:crypto';
import {
  collect,
  PostgresEventStore,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { CommandContext } from './command-context';
import { CommandExecutor } from './command-executor';

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
});
