import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandReply } from '@certm3/contracts';
import { collect, EventStore } from '@certm3/event-store';
import { CommandClient } from '@certm3/test-support/command-client';
import { CommandApiTestStack } from '../testing/command-api-test-stack';
import { activePolicy, createOrganization, registerUser } from '../testing/fixtures';

type Data = Record<string, unknown> & { id: string };

/**
 * Issuance over NATS with openssl as the outside client: CSRs made by `openssl req` are issued or refused
 * with the right codes, issued certificates verify with `openssl verify`, exported keys open with
 * `openssl pkey`.
 */
describe('certificate issuance over NATS', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;
  const dir = mkdtempSync(join(tmpdir(), 'certm3-issue-'));
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const file = (name: string, content: string) => writeFileSync(join(dir, name), content);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');

  const ok = (reply: CommandReply): Data => {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data as Data;
  };
  let caId: string;
  let policyId: string;

  /** A CSR made by openssl: a key of `keyArgs`, the subject, and DNS SANs. */
  const csrOf = (name: string, keyArgs: string[], subject: string, sans: string[]) => {
    openssl('genpkey', ...keyArgs, '-out', `${name}.key`);
    openssl(
      'req',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.map((san) => `DNS:${san}`).join(',')}`] : []),
      '-out',
      `${name}.csr`,
    );
    return read(`${name}.csr`);
  };
  const P256 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

  /** Whatever a refused command appended: its recorded refusal only. */
  async function appendedBy(send: () => Promise<CommandReply>) {
    const before = (await collect(store.readAll())).length;
    const reply = await send();
    const after = await collect(store.readAll());
    return { reply, appended: after.slice(before).map((event) => event.type) };
  }

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('issuance');
    ({ client, store } = stack);
    caId = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Issuing',
        subject: { commonName: 'certm3 Issuing CA', organization: 'certm3' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps a policy’s rules as validated, its code unique, and edits it only while not active', async () => {
    const unknownRule = await client.reply('CreatePolicy', {
      policyCode: 'bad',
      name: 'Bad',
      issuerId: caId,
      policyRules: { max_validity_days: 90, no_such_rule: true },
    });
    expect(unknownRule).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const threshold = await client.reply('CreatePolicy', {
      policyCode: 'bad',
      name: 'Bad',
      issuerId: caId,
      policyRules: { max_validity_days: 30, renewal_threshold_days: 30 },
    });
    expect(threshold).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'policyRules.renewal_threshold_days' }] },
    });
    policyId = ok(
      await client.reply('CreatePolicy', {
        policyCode: 'TLS-SERVER',
        name: 'TLS servers of example.com',
        issuerId: caId,
        policyRules: {
          max_validity_days: 90,
          min_key_size: 2048,
          allowed_algorithms: ['RSA', 'ECDSA'],
          require_approval: false,
          auto_renewal: true,
          renewal_threshold_days: 30,
          allowed_domains: ['example.com'],
          allow_subdomains: true,
          extended_key_usages: ['serverAuth', 'clientAuth'],
        },
      }),
    ).id;
    expect(
      await client.reply('CreatePolicy', {
        policyCode: 'tls-server',
        name: 'Same code, other case',
        issuerId: caId,
        policyRules: {},
      }),
    ).toMatchObject({ ok: false, error: { code: 'POLICY_CODE_TAKEN' } });
    expect(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName: 'www.example.com' },
        keyAlgorithm: 'ECDSA_P256',
      }),
    ).toMatchObject({ ok: false, error: { code: 'POLICY_NOT_ACTIVE' } });
    ok(await client.reply('ActivatePolicy', { policyId }));
    expect(await client.reply('UpdatePolicy', { policyId, name: 'Renamed' })).toMatchObject({
      ok: false,
      error: { code: 'POLICY_NOT_EDITABLE' },
    });
  });

  it('issues a certificate for an openssl CSR that openssl verifies, with the SANs, EKU, CDP and AIA', async () => {
    const csr = csrOf('good', P256, '/CN=www.example.com', ['www.example.com', 'api.example.com']);
    const issued = ok(await client.reply('SubmitCertificateRequest', { policyId, csr, validityDays: 30 }));
    expect(issued).toMatchObject({
      status: 'issued',
      certificateId: expect.any(String),
      serialNumber: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    file('good.pem', String(issued.certificatePem));
    file('good-chain.pem', String(issued.chainPem));
    expect(openssl('verify', '-CAfile', 'good-chain.pem', 'good.pem')).toContain('good.pem: OK');
    const text = openssl('x509', '-in', 'good.pem', '-noout', '-text');
    expect(text).toContain('DNS:www.example.com, DNS:api.example.com');
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toContain(`URI:http://localhost:3002/crl/${caId}.crl`);
    expect(text).toContain('OCSP - URI:http://localhost:3002/ocsp');
    expect(text).toContain(`CA Issuers - URI:http://localhost:3002/ca/${caId}.crt`);
    // The certificate certifies the CSR's key, which certm3 never saw.
    expect(openssl('x509', '-in', 'good.pem', '-noout', '-pubkey')).toBe(
      openssl('pkey', '-in', 'good.key', '-pubout'),
    );
    const [issuedEvent] = await collect(store.readStream(`certificate-${String(issued.certificateId)}`));
    expect(issuedEvent).toMatchObject({
      type: 'CertificateIssued',
      data: { privateKey: null, keySource: 'csr' },
    });
  });

  it.each([
    [
      'an RSA-1024 key',
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
      'WEAK_KEY',
      'rsa-modulus-size',
    ],
    ['a P-224 key', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-224'], 'WEAK_KEY', 'ec-curve'],
  ])('refuses a CSR with %s, appending nothing but the refusal', async (_name, keyArgs, code, rule) => {
    const csr = csrOf(`weak-${rule}`, keyArgs, '/CN=weak.example.com', ['weak.example.com']);
    const { reply, appended } = await appendedBy(() =>
      client.reply('SubmitCertificateRequest', { policyId, csr }),
    );
    expect(reply).toMatchObject({
      ok: false,
      error: { code, details: expect.arrayContaining([expect.objectContaining({ rule })]) },
    });
    expect(appended).toEqual(['CommandRejected']);
  });

  it('refuses a CSR whose signature is broken, and a domain the policy does not allow', async () => {
    const csr = csrOf('broken', P256, '/CN=broken.example.com', ['broken.example.com']);
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] ^= 0x01; // inside the signature's bit string
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    const invalid = await appendedBy(() =>
      client.reply('SubmitCertificateRequest', { policyId, csr: broken }),
    );
    expect(invalid.reply).toMatchObject({ ok: false, error: { code: 'INVALID_CSR' } });
    expect(invalid.appended).toEqual(['CommandRejected']);

    const elsewhere = csrOf('elsewhere', P256, '/CN=www.example.org', ['www.example.org']);
    const forbidden = await appendedBy(() =>
      client.reply('SubmitCertificateRequest', { policyId, csr: elsewhere }),
    );
    expect(forbidden.reply).toMatchObject({
      ok: false,
      error: {
        code: 'POLICY_VIOLATION',
        details: [{ rule: 'allowed_domains', value: 'www.example.org', allowed: ['example.com'] }],
      },
    });
    expect(forbidden.appended).toEqual(['CommandRejected']);
    const tooLong = await client.reply('SubmitCertificateRequest', {
      policyId,
      csr: csrOf('long', P256, '/CN=long.example.com', ['long.example.com']),
      validityDays: 365,
    });
    expect(tooLong).toMatchObject({
      ok: false,
      error: { code: 'POLICY_VIOLATION', details: [{ rule: 'max_validity_days', limit: 90, actual: 365 }] },
    });
  });

  it('makes a key server-side, exports it once under a passphrase that openssl opens, and destroys it', async () => {
    const issued = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName: 'svc.example.com' },
        subjectAlternativeNames: [{ type: 'DNS', value: 'svc.example.com' }],
        keyAlgorithm: 'ECDSA_P256',
      }),
    );
    const certificateId = String(issued.certificateId);
    file('svc.pem', String(issued.certificatePem));
    file('svc-chain.pem', String(issued.chainPem));
    expect(openssl('verify', '-CAfile', 'svc-chain.pem', 'svc.pem')).toContain('svc.pem: OK');
    const commandId = randomUUID();
    const passphrase = 'a passphrase of the caller';
    const exported = ok(await client.reply('ExportPrivateKey', { certificateId, passphrase }, { commandId }));
    const pem = String(exported.privateKeyPem);
    expect(pem).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    file('svc.key', pem);
    file('pass.txt', passphrase);
    expect(openssl('pkey', '-in', 'svc.key', '-passin', 'file:pass.txt', '-pubout')).toBe(
      openssl('x509', '-in', 'svc.pem', '-noout', '-pubkey'),
    );
    // A replay answers as the first time, without the key: it was shown once and is recorded nowhere.
    const replay = ok(await client.reply('ExportPrivateKey', { certificateId, passphrase }, { commandId }));
    expect(replay.privateKeyPem).toBeUndefined();
    expect(replay.withheld).toEqual(['privateKeyPem']);

    // Someone else needs keys:export.
    const other = ok(
      await client.reply('RegisterUser', {
        username: 'other',
        email: 'other@example.com',
        password: 'another long password',
      }),
    ).id;
    expect(
      await client.reply('ExportPrivateKey', { certificateId, passphrase }, { actorId: other }),
    ).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: [{ permission: 'keys:export' }] },
    });
    // Nor is an unknown certificate told apart from one they may not export.
    expect(
      await client.reply('ExportPrivateKey', { certificateId: randomUUID(), passphrase }, { actorId: other }),
    ).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });

    ok(await client.reply('DestroyPrivateKey', { certificateId }));
    expect(await client.reply('ExportPrivateKey', { certificateId, passphrase })).toMatchObject({
      ok: false,
      error: { code: 'PRIVATE_KEY_DESTROYED' },
    });
    // A CSR's certificate has no key here.
    const csrCertificate = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        csr: csrOf('kept', P256, '/CN=kept.example.com', ['kept.example.com']),
      }),
    );
    expect(
      await client.reply('ExportPrivateKey', { certificateId: csrCertificate.certificateId, passphrase }),
    ).toMatchObject({ ok: false, error: { code: 'NO_PRIVATE_KEY' } });
  });

  it('keeps one certificate in the inventory once: the same PEM registered at once by many is taken once', async () => {
    const issued = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        csr: csrOf('twice', P256, '/CN=twice.example.com', ['twice.example.com']),
      }),
    );
    // An issued certificate is known already.
    expect(
      await client.reply('RegisterCertificate', {
        userId: stack.adminId,
        certificateData: issued.certificatePem,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CERTIFICATE_ALREADY_KNOWN', details: [{ certificateId: issued.certificateId }] },
    });
    // An outside certificate, registered by 20 clients at once: one wins.
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'outside.key',
      '-subj',
      '/CN=outside',
      '-days',
      '30',
      '-out',
      'outside.pem',
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.reply('RegisterCertificate', { userId: stack.adminId, certificateData: read('outside.pem') }),
      ),
    );
    expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
    expect(replies.filter((reply) => !reply.ok).map((reply) => !reply.ok && reply.error.code)).toEqual(
      Array(19).fill('CERTIFICATE_ALREADY_KNOWN'),
    );
  });

  it('activates an authority an offline root signed, and issues under it', async () => {
    const external = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Signed offline',
        subject: { commonName: 'certm3 Offline-signed CA' },
        keyAlgorithm: 'ECDSA_P384',
        validityDays: 1000,
        external: true,
      }),
    );
    expect(external.status).toBe('pending_certificate');
    file('external.csr', String(external.csrPem));
    // The offline root, made by openssl, signs the CSR as an intermediate.
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-nodes',
      '-keyout',
      'offline.key',
      '-subj',
      '/CN=Offline Root',
      '-days',
      '3650',
      '-out',
      'offline.pem',
    );
    file(
      'ext.cnf',
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'external.csr',
      '-CA',
      'offline.pem',
      '-CAkey',
      'offline.key',
      '-CAcreateserial',
      '-days',
      '1000',
      '-extfile',
      'ext.cnf',
      '-out',
      'external.pem',
    );
    // Not before it has its certificate.
    const early = await client.reply('CreatePolicy', {
      policyCode: 'offline',
      name: 'Offline',
      issuerId: external.id,
      policyRules: {},
    });
    const offlinePolicy = ok(early).id;
    expect(await client.reply('ActivatePolicy', { policyId: offlinePolicy })).toMatchObject({
      ok: false,
      error: { code: 'AUTHORITY_NOT_ACTIVE' },
    });
    // A certificate for another key is refused.
    expect(
      await client.reply('ActivateCertificateAuthority', {
        id: external.id,
        certificatePem: read('offline.pem'),
        chainPem: read('offline.pem'),
      }),
    ).toMatchObject({ ok: false, error: { code: 'AUTHORITY_CERTIFICATE_MISMATCH' } });
    ok(
      await client.reply('ActivateCertificateAuthority', {
        id: external.id,
        certificatePem: read('external.pem'),
        chainPem: read('offline.pem'),
      }),
    );
    ok(await client.reply('ActivatePolicy', { policyId: offlinePolicy }));
    const leaf = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId: offlinePolicy,
        subject: { commonName: 'leaf.internal' },
        keyAlgorithm: 'ECDSA_P256',
      }),
    );
    file('leaf.pem', String(leaf.certificatePem));
    file('leaf-chain.pem', String(leaf.chainPem));
    expect(openssl('verify', '-CAfile', 'offline.pem', '-untrusted', 'leaf-chain.pem', 'leaf.pem')).toContain(
      'leaf.pem: OK',
    );
  });

  it.each([
    ['DeactivatePolicy', (ids: { policyId: string; caId: string }) => ({ policyId: ids.policyId })],
    ['DisableCertificateAuthority', (ids: { policyId: string; caId: string }) => ({ caId: ids.caId })],
  ])(
    'issues nothing after a concurrent %s committed (the decision holds at commit)',
    async (stop, bodyOf) => {
      const raceCa = ok(
        await client.reply('CreateCertificateAuthority', {
          name: `Race ${stop}`,
          subject: { commonName: `race ${stop}` },
          keyAlgorithm: 'ECDSA_P256',
          validityDays: 3650,
        }),
      ).id;
      const racePolicy = ok(
        await client.reply('CreatePolicy', {
          policyCode: `race-${stop}`,
          name: 'Race',
          issuerId: raceCa,
          policyRules: {},
        }),
      ).id;
      ok(await client.reply('ActivatePolicy', { policyId: racePolicy }));
      const submit = (index: number) =>
        client.reply('SubmitCertificateRequest', {
          policyId: racePolicy,
          subject: { commonName: `race-${index}.example.com` },
          keyAlgorithm: 'ECDSA_P256',
        });
      const replies = await Promise.all([
        ...Array.from({ length: 10 }, (_, index) => submit(index)),
        client.reply(stop, bodyOf({ policyId: racePolicy, caId: raceCa })),
        ...Array.from({ length: 10 }, (_, index) => submit(10 + index)),
      ]);
      expect(replies[10]).toMatchObject({ ok: true });
      const log = await collect(store.readAll());
      const stopped = log.findIndex(
        (event) =>
          (event.type === 'PolicyDeactivated' && event.data.policyId === racePolicy) ||
          (event.type === 'CertificateAuthorityDisabled' && event.data.caId === raceCa),
      );
      const issuedAfter = log
        .slice(stopped)
        .filter((event) => event.type === 'CertificateIssued' && event.data.caId === raceCa);
      expect(issuedAfter).toEqual([]);
      const refusals = replies.filter((reply) => !reply.ok).map((reply) => !reply.ok && reply.error.code);
      expect(new Set(refusals)).toEqual(
        new Set(
          refusals.length === 0
            ? []
            : [stop === 'DeactivatePolicy' ? 'POLICY_NOT_ACTIVE' : 'AUTHORITY_DISABLED'],
        ),
      );
    },
  );

  it('needs certificates:create in the policy’s organization: a requester of one organization asks under its policies only', async () => {
    const [acme, globex] = [
      await createOrganization(client, 'ACME'),
      await createOrganization(client, 'GLOBEX'),
    ];
    const policyIn = (organizationId: string) => activePolicy(client, { issuerId: caId, organizationId });
    const [acmePolicy, globexPolicy] = [await policyIn(acme), await policyIn(globex)];
    const requester = await registerUser(client, 'requester');
    ok(await client.reply('AddUserToOrganization', { userId: requester, organizationId: acme }));
    ok(
      await client.reply('AssignRole', {
        userId: requester,
        roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e03', // REQUESTER
        organizationId: acme,
      }),
    );
    const submit = (policy: string) =>
      client.reply(
        'SubmitCertificateRequest',
        { policyId: policy, subject: { commonName: 'scoped.example.com' }, keyAlgorithm: 'ECDSA_P256' },
        { actorId: requester },
      );
    expect(await submit(acmePolicy)).toMatchObject({ ok: true, data: { status: 'issued' } });
    expect(await submit(globexPolicy)).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: [{ permission: 'certificates:create' }] },
    });
    // Nor for someone outside the organization, whose key they could then export.
    expect(
      await client.reply(
        'SubmitCertificateRequest',
        {
          policyId: acmePolicy,
          subject: { commonName: 'outsider.example.com' },
          keyAlgorithm: 'ECDSA_P256',
          ownerUserId: stack.adminId,
        },
        { actorId: requester },
      ),
    ).toMatchObject({ ok: false, error: { code: 'NOT_IN_ORGANIZATION' } });
    // SANs are certified as requested or refused: an IA5String name is ASCII, an IP has no zone.
    for (const san of [
      { type: 'EMAIL', value: 'ü@example.com' },
      { type: 'IP', value: 'fe80::1%eth0' },
    ])
      expect(
        await client.reply('SubmitCertificateRequest', {
          policyId: acmePolicy,
          subject: { commonName: 'names.example.com' },
          subjectAlternativeNames: [san],
          keyAlgorithm: 'ECDSA_P256',
        }),
      ).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('gives a policy code to one of 20 policies created with it at once', async () => {
    const code = `race-code-${randomUUID().slice(0, 6)}`;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        client.reply('CreatePolicy', {
          policyCode: index % 2 === 0 ? code : code.toUpperCase(),
          name: `Racer ${index}`,
          issuerId: caId,
          policyRules: {},
        }),
      ),
    );
    expect(replies.filter((reply) => reply.ok)).toHaveLength(1);
    expect(
      new Set(replies.filter((reply) => !reply.ok).map((reply) => !reply.ok && reply.error.code)),
    ).toEqual(new Set(['POLICY_CODE_TAKEN']));
  });

  it('refuses issuance under a disabled authority', async () => {
    ok(await client.reply('DisableCertificateAuthority', { caId }));
    expect(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName: 'late.example.com' },
        keyAlgorithm: 'ECDSA_P256',
      }),
    ).toMatchObject({ ok: false, error: { code: 'AUTHORITY_DISABLED' } });
  });
});
