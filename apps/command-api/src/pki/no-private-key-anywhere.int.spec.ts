import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLog } from '@certm3/audit';
import { CommandReply } from '@certm3/contracts';
import { collect } from '@certm3/event-store';
import { DataKeyDestroyedError, PostgresKeyVault, SealedSecret } from '@certm3/key-vault';
import { TEST_MASTER_KEY } from '@certm3/test-support/key-vault-env';
import { READ_MODELS } from '../../../projector/src/read-models';
import { caughtUp, ProjectorTestStack } from '../../../projector/src/testing/projector-test-stack';
import { authorityKeyContext } from './authority-signing-keys';
import { certificateKeyContext } from './issuance.definitions';
import { opensslP256Request } from '../../../../libs/pki/src/testing/openssl-authority';

type Data = Record<string, unknown> & { id: string };
const ok = (reply: CommandReply): Data => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Data;
};

/** The ways a private key could be written down: its PKCS#8 DER as hex and base64, and its PEM's lines. */
function needlesOf(pkcs8: Buffer): string[] {
  const pem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const lines = pem.split('\n').filter((line) => line.length === 64);
  return [pkcs8.toString('hex'), pkcs8.toString('base64'), ...lines];
}

/**
 * Every private key a run made (the authorities', the server-side ones, the one a requester kept) is
 * searched for in the event store, all three read databases, the command API's log lines and an audit
 * export, as PEM lines and raw bytes: none is there. After DestroyPrivateKey nothing certm3 stores opens it.
 */
describe('no private key in clear anywhere certm3 writes', () => {
  let stack: ProjectorTestStack;
  let vault: PostgresKeyVault;
  const logged: string[] = [];
  const writeStdout = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    vault = await PostgresKeyVault.open({
      url: stack.eventDatabase.url,
      masterKey: Buffer.from(TEST_MASTER_KEY, 'base64'),
    });
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(chunk.toString());
      return writeStdout(chunk, ...rest);
    }) as typeof process.stdout.write;
  }, 60_000);
  afterAll(async () => {
    process.stdout.write = writeStdout;
    await vault?.close();
    await stack?.stop();
  });

  it('finds none of them, and a destroyed one cannot be opened', async () => {
    const { client } = stack;
    const root = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Root',
        subject: { commonName: 'no-secrets root' },
        keyAlgorithm: 'RSA_2048',
        validityDays: 3650,
      }),
    );
    const issuing = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Issuing',
        subject: { commonName: 'no-secrets issuing' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 1000,
        parentId: root.id,
      }),
    );
    const policyId = ok(
      await client.reply('CreatePolicy', {
        policyCode: 'all',
        name: 'All',
        issuerId: issuing.id,
        policyRules: {},
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId }));
    const serverSide = [];
    for (const keyAlgorithm of ['ECDSA_P256', 'ECDSA_P384', 'RSA_2048'])
      serverSide.push(
        String(
          ok(
            await client.reply('SubmitCertificateRequest', {
              policyId,
              subject: { commonName: `${keyAlgorithm.toLowerCase()}.example.com` },
              keyAlgorithm,
            }),
          ).certificateId,
        ),
      );
    const dir = mkdtempSync(join(tmpdir(), 'certm3-secrets-'));
    opensslP256Request((...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }), 'kept');
    ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        csr: readFileSync(join(dir, 'kept.csr'), 'utf8'),
      }),
    );
    const passphrase = 'the caller’s long passphrase';
    for (const certificateId of serverSide)
      ok(await client.reply('ExportPrivateKey', { certificateId, passphrase }));
    ok(await client.reply('SetCertificateMetadata', { certificateId: serverSide[0], environment: 'prod' }));

    // Every key, opened the way only the vault can.
    const keys: Buffer[] = [
      createPrivateKey(readFileSync(join(dir, 'kept.key'))).export({ format: 'der', type: 'pkcs8' }),
    ];
    for (const caId of [root.id, issuing.id]) {
      const [created] = await collect(stack.store.readStream(`certificate-authority-${caId}`));
      keys.push(
        await vault.open(created.data.privateKey as unknown as SealedSecret, authorityKeyContext(caId)),
      );
    }
    const sealedOf = async (certificateId: string) => {
      const [issued] = await collect(stack.store.readStream(`certificate-${certificateId}`));
      return issued.data.privateKey as unknown as SealedSecret;
    };
    for (const certificateId of serverSide)
      keys.push(await vault.open(await sealedOf(certificateId), certificateKeyContext(certificateId)));

    // Crypto-shredding: destroyed, it opens from nothing certm3 keeps, and the others still open.
    ok(await client.reply('DestroyPrivateKey', { certificateId: serverSide[2] }));
    await expect(
      vault.open(await sealedOf(serverSide[2]), certificateKeyContext(serverSide[2])),
    ).rejects.toThrow(DataKeyDestroyedError);
    expect(
      await client.reply('ExportPrivateKey', { certificateId: serverSide[2], passphrase }),
    ).toMatchObject({
      ok: false,
      error: { code: 'PRIVATE_KEY_DESTROYED' },
    });
    await vault.open(await sealedOf(serverSide[0]), certificateKeyContext(serverSide[0]));

    // Every read model caught up with everything above.
    const runners = READ_MODELS.map((model) => stack.runner({ model }));
    for (const runner of runners) runner.start();
    for (const runner of runners) await caughtUp(runner, stack.store);

    const dumps = [stack.eventDatabase, ...READ_MODELS.map((model) => stack.databaseOf(model))].map(
      (database) =>
        execFileSync('pg_dump', ['--data-only', '-d', database.url], { maxBuffer: 1 << 28 }).toString(),
    );
    const exported: string[] = [];
    await exportLog(stack.store, {}, (line) => void exported.push(line));
    const everything = [...dumps, exported.join(''), logged.join('')].join('\n');
    expect(everything).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    for (const key of keys)
      for (const needle of needlesOf(key)) expect(everything.includes(needle)).toBe(false);
    // The read models did get the certificates (the search looked where they are).
    expect(dumps.slice(1).join('')).toContain('ecdsa_p256.example.com');
  }, 120_000);
});
