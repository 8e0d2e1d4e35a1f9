import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { exportLog } from '@certm3/audit';
import { CommandReply } from '@certm3/contracts';
import { collect, EventStore } from '@certm3/event-store';
import { CommandClient } from '@certm3/test-support/command-client';
import { CommandApiTestStack } from '../testing/command-api-test-stack';

/** Certificate authorities over NATS, their certificates read by openssl as a relying party would. */
describe('certificate authorities over NATS', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;
  const dir = mkdtempSync(join(tmpdir(), 'certm3-ca-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir }).toString();
  const file = (name: string, content: string) => writeFileSync(join(dir, name), content);

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('authorities');
    ({ client, store } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ok = (reply: CommandReply) => {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data as unknown as { id: string; certificatePem: string; chainPem: string };
  };
  const code = (reply: CommandReply) => (reply.ok ? undefined : reply.error.code);

  it('creates a root and an intermediate whose chain openssl verifies, the keys only sealed', async () => {
    const root = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Test Root',
        subject: { commonName: 'certm3 Test Root', organization: 'certm3', country: 'DE' },
        keyAlgorithm: 'ECDSA_P384',
        validityDays: 3650,
        pathLength: 1,
      }),
    );
    const issuing = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Issuing',
        subject: { commonName: 'certm3 Issuing CA' },
        keyAlgorithm: 'RSA_2048',
        validityDays: 1825,
        parentId: root.id,
        pathLength: 0,
      }),
    );
    file('root.pem', root.certificatePem);
    file('issuing.pem', issuing.certificatePem);
    file('chain.pem', issuing.chainPem);
    expect(openssl('verify', '-CAfile', 'root.pem', 'issuing.pem')).toContain('issuing.pem: OK');
    expect(openssl('verify', '-CAfile', 'root.pem', 'root.pem')).toContain('root.pem: OK');
    expect(issuing.chainPem).toBe(`${issuing.certificatePem}${root.certificatePem}`);
    expect(openssl('x509', '-in', 'issuing.pem', '-noout', '-text')).toMatch(
      /CA:TRUE, pathlen:0[\s\S]*Certificate Sign, CRL Sign/,
    );

    // No private key in clear anywhere certm3 wrote: the event holds the vault's sealed form only.
    const [created] = await collect(store.readStream(`certificate-authority-${issuing.id}`));
    expect(created.data.privateKey).toEqual({
      dataKeyId: expect.any(String),
      ciphertext: expect.any(String),
      keyEncryptionKeyId: expect.any(String),
    });
    const everything = JSON.stringify(
      (await collect(store.readAll())).map(({ data, metadata }) => ({ data, metadata })),
    );
    expect(everything).not.toContain('PRIVATE KEY');
    const database = new Client({ connectionString: stack.database.url });
    await database.connect();
    try {
      const dump = execFileSync('pg_dump', ['--data-only', '-d', stack.database.url], {
        maxBuffer: 1 << 28,
      }).toString();
      expect(dump).not.toContain('PRIVATE KEY');
    } finally {
      await database.end();
    }
    // The audit export never shows the sealed key either (the catalog marks it secret).
    const lines: string[] = [];
    await exportLog(store, {}, (line) => void lines.push(line));
    expect(lines.join('')).not.toContain(
      String((created.data.privateKey as { ciphertext: string }).ciphertext),
    );
  });

  it('refuses what a parent may not sign: beyond its path length, outliving it, once disabled', async () => {
    const root = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Short Root',
        subject: { commonName: 'certm3 Short Root' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 365,
        pathLength: 0,
      }),
    );
    const below = (extra: Record<string, unknown>) =>
      client.reply('CreateCertificateAuthority', {
        name: 'Below',
        subject: { commonName: 'below' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 30,
        parentId: root.id,
        ...extra,
      });
    expect(await below({ pathLength: 0 })).toMatchObject({
      ok: false,
      error: { code: 'POLICY_VIOLATION', details: [{ rule: 'path_length' }] },
    });
    const open = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Open Root',
        subject: { commonName: 'certm3 Open Root' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 365,
      }),
    );
    expect(
      await client.reply('CreateCertificateAuthority', {
        name: 'Too long',
        subject: { commonName: 'too long' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 400,
        parentId: open.id,
      }),
    ).toMatchObject({ ok: false, error: { code: 'POLICY_VIOLATION', details: [{ rule: 'validity' }] } });
    ok(await client.reply('DisableCertificateAuthority', { caId: open.id, reason: 'retired' }));
    expect(
      code(
        await client.reply('CreateCertificateAuthority', {
          name: 'Under disabled',
          subject: { commonName: 'under disabled' },
          keyAlgorithm: 'ECDSA_P256',
          validityDays: 30,
          parentId: open.id,
        }),
      ),
    ).toBe('AUTHORITY_DISABLED');
    expect(
      code(
        await client.reply('CreateCertificateAuthority', {
          name: 'Orphan',
          subject: { commonName: 'orphan' },
          keyAlgorithm: 'ECDSA_P256',
          validityDays: 30,
          parentId: randomUUID(),
        }),
      ),
    ).toBe('NOT_FOUND');
  });

  it('needs authorities:create, and refuses before any key is made', async () => {
    const user = ok(
      await client.reply('RegisterUser', {
        username: `u-${randomUUID()}`,
        email: `${randomUUID()}@example.com`,
        password: 'a long enough password',
      }),
    ).id;
    const vaultKeys = async () => {
      const database = new Client({ connectionString: stack.database.url });
      await database.connect();
      try {
        return (await database.query('SELECT count(*)::int AS n FROM key_vault.data_keys')).rows[0]
          .n as number;
      } finally {
        await database.end();
      }
    };
    const before = await vaultKeys();
    expect(
      await client.reply(
        'CreateCertificateAuthority',
        { name: 'Mine', subject: { commonName: 'mine' }, keyAlgorithm: 'ECDSA_P256', validityDays: 30 },
        { actorId: user },
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: [{ permission: 'authorities:create' }] },
    });
    expect(await vaultKeys()).toBe(before);
  });

  it('answers a repeated command id with the same certificate, and makes no second key', async () => {
    const commandId = randomUUID();
    const body = {
      name: 'Once',
      subject: { commonName: 'once' },
      keyAlgorithm: 'ECDSA_P256',
      validityDays: 30,
    };
    const first = ok(await client.reply('CreateCertificateAuthority', body, { commandId }));
    const again = ok(await client.reply('CreateCertificateAuthority', body, { commandId }));
    expect(again.certificatePem).toBe(first.certificatePem);
  });
});
