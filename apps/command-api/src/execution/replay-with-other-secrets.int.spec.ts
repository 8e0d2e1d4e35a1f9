import { createHash, randomUUID } from 'node:crypto';
import { collect } from '@certm3/event-store';
import { CommandApiTestStack } from '../testing/command-api-test-stack';

const KEY = 'a digest key of thirty-two characters or more, for tests only';

/**
 * A command id replayed with the same non-secret fields but another password. The body digest leaves
 * secrets out (a fast hash over a password is a password to a dictionary attack), so only a keyed digest
 * of the secrets can tell it from a true replay. (Regression: it was answered as one, and the client
 * believed the second password set.)
 */
describe('a command id replayed with another password', () => {
  describe('with COMMAND_DIGEST_KEY set', () => {
    let stack: CommandApiTestStack;
    beforeAll(async () => {
      stack = await CommandApiTestStack.start('secrets_keyed', { COMMAND_DIGEST_KEY: KEY });
    });
    afterAll(async () => stack?.stop());

    it('is COMMAND_ID_REUSED, while the true replay gets the first reply', async () => {
      const commandId = randomUUID();
      const body = {
        username: 'keyed',
        email: `${randomUUID()}@example.com`,
        password: 'the first password 1',
      };
      const first = await stack.client.reply('RegisterUser', body, { commandId });
      expect(first).toMatchObject({ ok: true });
      expect(await stack.client.reply('RegisterUser', body, { commandId })).toEqual(first);
      expect(
        await stack.client.reply(
          'RegisterUser',
          { ...body, password: 'the second password 2' },
          { commandId },
        ),
      ).toMatchObject({ ok: false, error: { code: 'COMMAND_ID_REUSED' } });

      const userId = (first as { data: { id: string } }).data.id;
      const change = randomUUID();
      expect(
        await stack.client.reply(
          'ChangePassword',
          { userId, password: 'a changed password 3' },
          { commandId: change },
        ),
      ).toMatchObject({ ok: true });
      expect(
        await stack.client.reply(
          'ChangePassword',
          { userId, password: 'another change 4!!' },
          { commandId: change },
        ),
      ).toMatchObject({ ok: false, error: { code: 'COMMAND_ID_REUSED' } });
    });

    it('records the secrets only as an HMAC under the key, never as a fast hash', async () => {
      const commandId = randomUUID();
      const password = `a password to look for ${randomUUID()}`;
      await stack.client.reply(
        'RegisterUser',
        { username: 'mac', email: `${randomUUID()}@example.com`, password },
        { commandId },
      );
      const [outcome] = await collect(stack.store.readStream(`command-${commandId}`));
      expect(outcome.data.secretsDigest).toMatch(/^hmac-sha256:[0-9a-f]{12}:[0-9a-f]{64}$/);
      const everything = JSON.stringify(
        (await collect(stack.store.readAll())).map(({ data, metadata }) => [data, metadata]),
      );
      for (const form of [password, createHash('sha256').update(password).digest('hex')])
        expect(everything).not.toContain(form);
      expect(everything).not.toContain(KEY);
    });
  });

  describe('without the key', () => {
    let stack: CommandApiTestStack;
    beforeAll(async () => {
      stack = await CommandApiTestStack.start('secrets_unkeyed');
    });
    afterAll(async () => stack?.stop());

    it('cannot be told from a true replay: it gets the first reply, and nothing is written', async () => {
      const commandId = randomUUID();
      const body = {
        username: 'unkeyed',
        email: `${randomUUID()}@example.com`,
        password: 'the first password 1',
      };
      const first = await stack.client.reply('RegisterUser', body, { commandId });
      const before = (await collect(stack.store.readAll())).length;
      expect(
        await stack.client.reply(
          'RegisterUser',
          { ...body, password: 'the second password 2' },
          { commandId },
        ),
      ).toEqual(first);
      expect((await collect(stack.store.readAll())).length).toBe(before);
    });
  });
});
