import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CommandReply } from '@certm3/contracts';
import { collect } from '@certm3/event-store';
import { clmCoreModel, clmSecureModel } from './read-models';
import { AUDIT_TRAIL, EXPIRING_CERTIFICATES } from './read-models/clm-secure/documented-schema.fixture';
import { caughtUp, ProjectorTestStack, withClient } from './testing/projector-test-stack';

type Data = Record<string, unknown> & { id: string };
const ok = (reply: CommandReply): Data => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Data;
};

/**
 * The read side of issuance against the write side as it runs: authorities (one signed offline by
 * openssl), a policy, certificates issued with keys made here and from a requester's CSR, an export, a
 * destruction, metadata, and a rotation of the key-encryption key the command API completes itself. What
 * clm_secure and clm_core show of it, the seed's queries on it, and a rebuild that changes nothing.
 */
describe('clm_secure and clm_core from the issuance commands', () => {
  let stack: ProjectorTestStack;
  const dir = mkdtempSync(join(tmpdir(), 'certm3-read-issuance-'));
  /** One openssl command, its arguments separated by single spaces (none has a space of its own). */
  const openssl = (command: string) =>
    execFileSync('openssl', command.split(' '), { cwd: dir, stdio: 'ignore' });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const ids: Record<string, string> = {};
  let rotation: Data;

  const secure = (text: string, params: unknown[] = []) =>
    withClient(
      stack.databaseOf(clmSecureModel).url,
      async (client: Client) => (await client.query(text, params)).rows,
    );
  const core = (text: string, params: unknown[] = []) =>
    withClient(
      stack.databaseOf(clmCoreModel).url,
      async (client: Client) => (await client.query(text, params)).rows,
    );

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    const { client } = stack;
    ids.root = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Root',
        subject: { commonName: 'read-side root', organization: 'certm3' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
    const external = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Offline',
        subject: { commonName: 'read-side offline-signed' },
        keyAlgorithm: 'ECDSA_P384',
        validityDays: 1000,
        external: true,
      }),
    );
    ids.external = external.id;
    writeFileSync(join(dir, 'external.csr'), String(external.csrPem));
    openssl(
      'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout offline.key -subj /CN=offline-root -days 3650 -out offline.pem',
    );
    writeFileSync(
      join(dir, 'ext.cnf'),
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    openssl(
      'x509 -req -in external.csr -CA offline.pem -CAkey offline.key -CAcreateserial -days 1000 -extfile ext.cnf -out external.pem',
    );
    ok(
      await client.reply('ActivateCertificateAuthority', {
        id: ids.external,
        certificatePem: read('external.pem'),
        chainPem: read('offline.pem'),
      }),
    );
    ids.policy = ok(
      await client.reply('CreatePolicy', {
        policyCode: 'TLS',
        name: 'TLS servers',
        issuerId: ids.root,
        policyRules: { max_validity_days: 20, renewal_threshold_days: 7 },
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId: ids.policy }));
    const server = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId: ids.policy,
        subject: { commonName: 'server.example.com' },
        subjectAlternativeNames: [{ type: 'DNS', value: 'server.example.com' }],
        keyAlgorithm: 'ECDSA_P256',
      }),
    );
    ids.serverRequest = server.id;
    ids.server = String(server.certificateId);
    openssl(
      'req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout kept.key -subj /CN=kept.example.com -addext subjectAltName=DNS:kept.example.com -out kept.csr',
    );
    ids.kept = String(
      ok(await client.reply('SubmitCertificateRequest', { policyId: ids.policy, csr: read('kept.csr') }))
        .certificateId,
    );
    ids.shredded = String(
      ok(
        await client.reply('SubmitCertificateRequest', {
          policyId: ids.policy,
          subject: { commonName: 'shredded.example.com' },
          keyAlgorithm: 'RSA_2048',
        }),
      ).certificateId,
    );
    ok(
      await client.reply('ExportPrivateKey', {
        certificateId: ids.server,
        passphrase: 'a long passphrase here',
      }),
    );
    ok(await client.reply('DestroyPrivateKey', { certificateId: ids.shredded }));
    ok(
      await client.reply('SetCertificateMetadata', {
        certificateId: ids.server,
        tags: [{ key: 'team', value: 'web' }],
        environment: 'production',
      }),
    );
    rotation = ok(await client.reply('RotateEncryptionKey', {}));
    // The command API re-wraps in the background and records the completion itself.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const events = await collect(stack.store.readStream(`key-rotation-${rotation.id}`));
      if (events.some((event) => event.type === 'EncryptionKeyRotationCompleted')) break;
      if (Date.now() > deadline) throw new Error('the rotation did not complete');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const model of [clmSecureModel, clmCoreModel]) stack.runner({ model }).start();
    for (const runner of stack.runners) await caughtUp(runner, stack.store);
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every certificate once, the authorities’ own with the issued ones, their DNs matching', async () => {
    expect(
      await secure(
        `SELECT c.id, c.status, c.is_ca, c.key_source, c.issuer_id, ca.subject = c.issuer AS issuer_is_its_subject
           FROM certificates c LEFT JOIN certificates ca ON ca.id = c.issuer_id
          ORDER BY c.created_at, c.id`,
      ),
    ).toEqual([
      {
        id: ids.root,
        status: 'active',
        is_ca: true,
        key_source: 'server',
        issuer_id: ids.root,
        issuer_is_its_subject: true,
      },
      {
        id: ids.external,
        status: 'active',
        is_ca: true,
        key_source: 'server',
        issuer_id: null,
        issuer_is_its_subject: null,
      },
      {
        id: ids.server,
        status: 'active',
        is_ca: false,
        key_source: 'server',
        issuer_id: ids.root,
        issuer_is_its_subject: true,
      },
      {
        id: ids.kept,
        status: 'active',
        is_ca: false,
        key_source: 'csr',
        issuer_id: ids.root,
        issuer_is_its_subject: true,
      },
      {
        id: ids.shredded,
        status: 'active',
        is_ca: false,
        key_source: 'server',
        issuer_id: ids.root,
        issuer_is_its_subject: true,
      },
    ]);
    const [external] = await secure(`SELECT issuer, certificate_pem FROM certificates WHERE id = $1`, [
      ids.external,
    ]);
    expect(external.issuer).toBe('CN=offline-root');
    expect(external.certificate_pem.trim()).toBe(read('external.pem').trim());
    const [requested] = await secure(
      `SELECT status, certificate_id, key_source FROM certificate_requests WHERE request_id = $1`,
      [ids.serverRequest],
    );
    expect(requested).toEqual({ status: 'issued', certificate_id: ids.server, key_source: 'server' });
  });

  it('keeps every key certm3 made sealed, moved to the new key-encryption key by the rotation', async () => {
    expect(
      await secure(
        `SELECT certificate_id, encryption_key_id, encrypted_key_material IS NOT NULL AS sealed, destroyed_at IS NOT NULL AS destroyed
           FROM private_keys ORDER BY created_at, certificate_id`,
      ),
    ).toEqual([
      { certificate_id: ids.root, encryption_key_id: rotation.newKeyId, sealed: true, destroyed: false },
      { certificate_id: ids.external, encryption_key_id: rotation.newKeyId, sealed: true, destroyed: false },
      { certificate_id: ids.server, encryption_key_id: rotation.newKeyId, sealed: true, destroyed: false },
      // Shredded before the rotation: nothing was re-wrapped, and the row keeps the key it was under.
      { certificate_id: ids.shredded, encryption_key_id: rotation.oldKeyId, sealed: false, destroyed: true },
    ]);
    expect(await secure(`SELECT key_id, key_status FROM encryption_keys ORDER BY created_at`)).toEqual([
      { key_id: rotation.oldKeyId, key_status: 'retired' },
      { key_id: rotation.newKeyId, key_status: 'active' },
    ]);
    expect(
      await secure(
        `SELECT old_key_id, new_key_id, completed_at IS NOT NULL AS completed FROM key_rotation_history`,
      ),
    ).toEqual([{ old_key_id: rotation.oldKeyId, new_key_id: rotation.newKeyId, completed: true }]);
  });

  it('answers the seed’s audit trail of a certificate and its expiring list', async () => {
    const trail = await secure(AUDIT_TRAIL.replace('cert-uuid', ids.server));
    expect(trail.map((row) => [row.event_type, row.action, row.user_id])).toEqual([
      ['PrivateKeyExported', 'export', stack.adminId],
      ['CertificateIssued', 'sign', stack.adminId],
    ]);
    const expiring = await secure(EXPIRING_CERTIFICATES);
    // The policy allows 20 days: every leaf expires within 30.
    expect(expiring.map((row) => row.certificate_id).sort()).toEqual(
      [ids.server, ids.kept, ids.shredded].sort(),
    );
    const material = await secure(
      `SELECT count(*)::int AS n FROM secure_audit_log WHERE details::text ~ '(BEGIN|ciphertext|PRIVATE)'`,
    );
    expect(material).toEqual([{ n: 0 }]);
  });

  it('shows the policy and the certificates’ metadata in clm_core', async () => {
    expect(
      await core(
        `SELECT id, policy_code, status, issuer_id, policy_rules->>'max_validity_days' AS days FROM policies`,
      ),
    ).toEqual([{ id: ids.policy, policy_code: 'TLS', status: 'active', issuer_id: ids.root, days: '20' }]);
    expect(
      await core(
        `SELECT certificate_id, owner_username, tags, environment FROM certificate_summary WHERE certificate_id = $1`,
        [ids.server],
      ),
    ).toEqual([
      {
        certificate_id: ids.server,
        owner_username: 'admin',
        tags: { team: 'web' },
        environment: 'production',
      },
    ]);
    const [{ n }] = await core(`SELECT count(*)::int AS n FROM certificate_metadata`);
    expect(n).toBe(3);
  });

  it('rebuilds both from the first event with no change, and verify finds none', async () => {
    for (const model of [clmSecureModel, clmCoreModel]) {
      const report = await stack.rebuild({}, model);
      expect({
        model: model.name,
        changed: report.tables.filter((t) => t.deleted + t.updated + t.inserted > 0),
      }).toEqual({
        model: model.name,
        changed: [],
      });
      expect((await stack.verify(model)).differences).toEqual([]);
    }
  });
});
