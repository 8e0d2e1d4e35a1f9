import { servicesWithoutVault } from '../testing/services-without-vault';
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@certm3/event-store';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { COMMAND_DEFINITIONS } from '../command-definitions';
import { CommandContext } from '../execution/command-context';
import { CommandExecutor } from '../execution/command-executor';
import { PasswordHasher } from '../security/password-hasher';

/** Regression: a registration refused for a taken address still cost a full (deliberately slow) scrypt. */
describe('a registration refused for a taken name or address hashes no password', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let hashes = 0;
  const hasher = new PasswordHasher(10);
  const passwords = {
    hash: (password: string) => {
      hashes++;
      return hasher.hash(password);
    },
    verify: (password: string, encoded: string) => hasher.verify(password, encoded),
  } as PasswordHasher;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_register');
    store = await PostgresEventStore.connect({ url: database.url });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const context = (commandName: string, actorId?: string): CommandContext => ({
    commandName,
    commandId: randomUUID(),
    correlationId: randomUUID(),
    actorId,
    bodyDigest: `v2:${randomUUID()}`,
    matchesRecorded: () => false,
  });

  it('hashes once per accepted registration and never for a refused one', async () => {
    const executor = new CommandExecutor(store, servicesWithoutVault(passwords));
    const password = 'a long enough password';
    const admin = await executor.execute(
      COMMAND_DEFINITIONS.BootstrapAdministrator,
      { username: 'admin', email: 'admin@example.com', password },
      context('BootstrapAdministrator'),
    );
    if (!admin.ok) throw new Error(JSON.stringify(admin));
    const register = (body: object) =>
      executor.execute(
        COMMAND_DEFINITIONS.RegisterUser,
        body,
        context('RegisterUser', admin.data.id as string),
      );
    expect(hashes).toBe(1);
    expect(await register({ username: 'ada', email: 'ada@example.com', password })).toMatchObject({
      ok: true,
    });
    expect(hashes).toBe(2);
    expect(await register({ username: 'bob', email: 'ADA@example.com', password })).toMatchObject({
      ok: false,
      error: { code: 'EMAIL_TAKEN' },
    });
    expect(await register({ username: 'ADA', email: 'bob@example.com', password })).toMatchObject({
      ok: false,
      error: { code: 'USERNAME_TAKEN' },
    });
    expect(hashes).toBe(2);
  });
});
