/**
 * The public PKI read side as relying parties use it, with openssl as the outside client: a command API
 * (in this process) issues certificates for openssl CSRs and revokes, holds and releases them over NATS;
 * pki-http, started as its own process on the same log and vault, serves the CRL (`openssl crl`,
 * `openssl verify -crl_check`) and answers OCSP (`openssl ocsp -url`, POST and GET), and its CRL numbers
 * go on increasing across a restart. No timed assertion: each wait polls up to a bound generous enough for
 * a loaded machine.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CommandReply } from '@certm3/contracts';
import { AppName, AppProcess } from '@certm3/test-support/app-process';
import { CommandClient } from '@certm3/test-support/command-client';
import { TEST_MASTER_KEY } from '@certm3/test-support/key-vault-env';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { opensslAuthority, opensslP256Request } from '../../../libs/pki/src/testing/openssl-authority';
import { CommandApiTestStack } from '../../command-api/src/testing/command-api-test-stack';

type Data = Record<string, unknown> & { id: string };
const ok = (reply: CommandReply): Data => {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Data;
};

/** Polls `probe` until it returns something, for up to 30 s. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('pki-http: CRLs and OCSP for certm3 authorities', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let pkiDatabase: ScratchDatabase;
  let app: AppProcess;
  let port: number;
  let caId: string;
  let policyId: string;
  const dir = mkdtempSync(join(tmpdir(), 'certm3-pki-http-'));
  /** openssl's output, stdout and stderr together, whether it succeeds or not. */
  const openssl = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir });
    return `${result.stdout.toString()}${result.stderr.toString()}`;
  };
  const base = () => `http://127.0.0.1:${port}`;
  const env = () => ({
    EVENT_STORE_URL: stack.database.url,
    KEY_VAULT_DATABASE_URL: stack.database.url,
    CERTM3_MASTER_KEY: TEST_MASTER_KEY,
    PKI_DATABASE_URL: pkiDatabase.url,
    NATS_SUBJECT_PREFIX: stack.prefix,
    PKI_HTTP_PORT: '0',
  });
  const startApp = async () => {
    // test/support's AppProcess starts any app from apps/<name>/src/main.ts (its AppName lists two so far).
    app = AppProcess.start('pki-http' as AppName, env());
    port = await app.started();
    let health = '';
    await eventually('pki-http healthy', async () => {
      const response = await fetch(`${base()}/health`);
      health = await response.text();
      return response.status === 200 ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: ${health}\n${app.describeLogs()}`);
    });
  };
  const issue = async (name: string) => {
    opensslP256Request(openssl, name);
    const issued = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        csr: readFileSync(join(dir, `${name}.csr`), 'utf8'),
        validityDays: 30,
      }),
    );
    writeFileSync(join(dir, `${name}.pem`), String(issued.certificatePem));
    return { certificateId: String(issued.certificateId), serial: String(issued.serialNumber).toUpperCase() };
  };
  const fetchCrl = async (file = 'crl.der') => {
    const response = await fetch(`${base()}/crl/${caId}.crl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pkix-crl');
    writeFileSync(join(dir, file), Buffer.from(await response.arrayBuffer()));
    openssl('crl', '-inform', 'DER', '-in', file, '-out', 'crl.pem');
    return openssl('crl', '-inform', 'DER', '-in', file, '-noout', '-text');
  };
  const crlNumber = (text: string) => Number(/X509v3 CRL Number:\s+(\d+)/.exec(text)![1]);
  const listed = (text: string, serial: string) => text.includes(`Serial Number: ${serial}`);
  /** The served CRL's text once it lists the serial (or, `listing` false, no longer lists it). */
  const crlOnceItLists = (serial: string, listing = true) =>
    eventually(`the CRL ${listing ? 'listing' : 'without'} ${serial}`, async () => {
      const crl = await fetchCrl();
      return listed(crl, serial) === listing ? crl : undefined;
    });
  const verifyWithCrl = (leaf: string) =>
    openssl('verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'crl.pem', `${leaf}.pem`);
  const ocsp = (...args: string[]) =>
    openssl('ocsp', '-issuer', 'ca.pem', '-url', `${base()}/ocsp`, '-CAfile', 'ca.pem', ...args);

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('pki_http');
    client = stack.client;
    pkiDatabase = await createScratchDatabase('certm3_pki');
    caId = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Issuing',
        subject: { commonName: 'certm3 Revocation CA', organization: 'certm3' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
    policyId = ok(
      await client.reply('CreatePolicy', {
        policyCode: 'TLS',
        name: 'TLS',
        issuerId: caId,
        policyRules: { max_validity_days: 90, allowed_domains: ['example.com'], allow_subdomains: true },
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId }));
    await startApp();
    const pem = await fetch(`${base()}/ca/${caId}.pem`).then((r) => r.text());
    writeFileSync(join(dir, 'ca.pem'), pem);
  }, 120_000);
  afterAll(async () => {
    await app?.kill();
    await stack?.stop();
    await pkiDatabase?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the CA certificate as DER and PEM, and a signed CRL listing nothing yet', async () => {
    const crt = await fetch(`${base()}/ca/${caId}.crt`);
    expect(crt.headers.get('content-type')).toBe('application/pkix-cert');
    writeFileSync(join(dir, 'ca.der'), Buffer.from(await crt.arrayBuffer()));
    expect(openssl('x509', '-inform', 'DER', '-in', 'ca.der', '-noout', '-subject')).toContain(
      'CN = certm3 Revocation CA',
    );
    const text = await fetchCrl();
    expect(text).toContain('No Revoked Certificates.');
    expect(text).toContain('Issuer: O = certm3, CN = certm3 Revocation CA');
    expect(
      openssl('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
    expect((await fetch(`${base()}/crl/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.crl`)).status).toBe(
      404,
    );
  });

  it('lists a revocation with its reason and invalidity date; openssl verify -crl_check refuses the certificate', async () => {
    const revoked = await issue('revoked');
    const fine = await issue('fine');
    ok(
      await client.reply('RevokeCertificate', {
        certificateId: revoked.certificateId,
        reason: 'keyCompromise',
        invalidityDate: '2026-01-02T03:04:05Z',
      }),
    );
    const text = await crlOnceItLists(revoked.serial);
    expect(text).toMatch(
      new RegExp(`Serial Number: ${revoked.serial}[\\s\\S]*?CRL Reason Code:\\s+Key Compromise`),
    );
    expect(text).toMatch(/Invalidity Date:\s+Jan {2}2 03:04:05 2026 GMT/);
    expect(text).not.toContain(fine.serial);
    expect(
      openssl('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
    expect(verifyWithCrl('revoked')).toContain('certificate revoked');
    expect(verifyWithCrl('fine')).toContain('fine.pem: OK');
  });

  it('refuses a held certificate, and accepts it again once the hold is released', async () => {
    const held = await issue('held');
    ok(
      await client.reply('RevokeCertificate', {
        certificateId: held.certificateId,
        reason: 'certificateHold',
      }),
    );
    const text = await crlOnceItLists(held.serial);
    expect(text).toMatch(
      new RegExp(`Serial Number: ${held.serial}[\\s\\S]*?CRL Reason Code:\\s+Certificate Hold`),
    );
    expect(verifyWithCrl('held')).toContain('certificate revoked');
    expect(ocsp('-cert', 'held.pem')).toMatch(/held.pem: revoked[\s\S]*Reason: certificateHold/);
    ok(await client.reply('ReleaseCertificateHold', { certificateId: held.certificateId }));
    await crlOnceItLists(held.serial, false);
    expect(verifyWithCrl('held')).toContain('held.pem: OK');
  });

  it('answers OCSP good, then revoked after RevokeCertificate, signed by a delegated responder; nonce echoed', async () => {
    const leaf = await issue('ocsp');
    // Unknown until the issuance reaches pki-http through the log (milliseconds after the reply).
    const good = await eventually('good over OCSP', async () => {
      const answer = ocsp('-cert', 'ocsp.pem', '-resp_text');
      return answer.includes('ocsp.pem: good') ? answer : undefined;
    });
    expect(good).toContain('ocsp.pem: good');
    expect(good).toContain('Response verify OK');
    expect(good).toContain('OCSP Nonce');
    expect(good).not.toContain('WARNING: no nonce');
    expect(good).toContain('OCSP Signing'); // the responder's certificate, in the response
    expect(ocsp('-no_nonce', '-cert', 'ocsp.pem')).toContain('ocsp.pem: good'); // now cached
    ok(await client.reply('RevokeCertificate', { certificateId: leaf.certificateId, reason: 'superseded' }));
    // Without a nonce the answer comes from the cache, which the revocation invalidated.
    const revoked = await eventually('revoked over OCSP', async () => {
      const answer = ocsp('-no_nonce', '-cert', 'ocsp.pem');
      return answer.includes('ocsp.pem: revoked') ? answer : undefined;
    });
    expect(revoked).toContain('Response verify OK');
    expect(revoked).toContain('Reason: superseded');
    const withNonce = ocsp('-cert', 'ocsp.pem');
    expect(withNonce).toContain('ocsp.pem: revoked');
    expect(withNonce).toContain('Response verify OK');
    expect(withNonce).not.toContain('WARNING: no nonce');
  });

  it('answers the GET form, unknown serials as unknown, other issuers as unauthorized, malformed requests as such', async () => {
    await issue('get');
    await eventually('the issuance known to pki-http', async () =>
      ocsp('-cert', 'get.pem').includes('get.pem: good') ? true : undefined,
    );
    openssl('ocsp', '-no_nonce', '-issuer', 'ca.pem', '-cert', 'get.pem', '-reqout', 'get-request.der');
    const encoded = encodeURIComponent(readFileSync(join(dir, 'get-request.der')).toString('base64'));
    const response = await fetch(`${base()}/ocsp/${encoded}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    expect(response.headers.get('cache-control')).toMatch(
      /^max-age=\d+, public, no-transform, must-revalidate$/,
    );
    writeFileSync(join(dir, 'get-response.der'), Buffer.from(await response.arrayBuffer()));
    const checked = openssl(
      'ocsp',
      '-no_nonce',
      '-respin',
      'get-response.der',
      '-issuer',
      'ca.pem',
      '-cert',
      'get.pem',
      '-CAfile',
      'ca.pem',
    );
    expect(checked).toContain('Response verify OK');
    expect(checked).toContain('get.pem: good');

    expect(ocsp('-serial', '0x1234567890')).toContain('0x1234567890: unknown');
    const other = opensslAuthority(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    try {
      const otherIssuer = join(other.dir, 'ca.pem');
      expect(openssl('ocsp', '-issuer', otherIssuer, '-serial', '0x01', '-url', `${base()}/ocsp`)).toContain(
        'unauthorized (6)',
      );
    } finally {
      other.remove();
    }
    for (const body of [
      Buffer.from('not an OCSP request'),
      Buffer.alloc(0),
      Buffer.from([0x30, 0x03, 0x02, 0x01]),
    ]) {
      const answer = await fetch(`${base()}/ocsp`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/ocsp-request' },
      });
      expect(answer.status).toBe(200);
      expect(Buffer.from(await answer.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    }
    const garbage = await fetch(`${base()}/ocsp/%%%not-base64`);
    expect(Buffer.from(await garbage.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    expect((await fetch(`${base()}/health`)).status).toBe(200); // still up
  });

  it('answers the CRL over NATS in the command API’s envelope', async () => {
    const request = async (body: Uint8Array) =>
      JSON.parse(
        Buffer.from(
          (await client.connection.request(`${stack.prefix}.pki.crl`, body, { timeout: 10_000 })).data,
        ).toString(),
      ) as { ok: boolean; data?: Record<string, unknown>; error?: { code: string } };
    const reply = await request(Buffer.from(JSON.stringify({ caId })));
    expect(reply).toMatchObject({
      ok: true,
      data: {
        caId,
        crlNumber: expect.any(Number),
        thisUpdate: expect.any(String),
        nextUpdate: expect.any(String),
      },
    });
    writeFileSync(join(dir, 'nats.der'), Buffer.from(String(reply.data!.crl), 'base64'));
    expect(
      openssl('crl', '-inform', 'DER', '-in', 'nats.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');
    expect(crlNumber(openssl('crl', '-inform', 'DER', '-in', 'nats.der', '-noout', '-text'))).toBe(
      reply.data!.crlNumber,
    );
    expect(
      await request(Buffer.from(JSON.stringify({ caId: '00000000-0000-4000-8000-000000000000' }))),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await request(Buffer.from(JSON.stringify({ caId: 'nope' })))).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'caId' }] },
    });
    expect(await request(Buffer.from('{'))).toMatchObject({
      ok: false,
      error: { code: 'MALFORMED_MESSAGE' },
    });
  });

  it('goes on increasing cRLNumber across a restart, and records every CRL and responder certificate', async () => {
    const before = crlNumber(await fetchCrl());
    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
    await startApp();
    const after = crlNumber(await fetchCrl());
    expect(after).toBeGreaterThan(before);
    const database = new Client({ connectionString: pkiDatabase.url });
    await database.connect();
    try {
      const crls = await database.query<{ crl_number: string; sha256: string }>(
        'SELECT crl_number, sha256 FROM pki.crls WHERE ca_id = $1 ORDER BY crl_number',
        [caId],
      );
      const numbers = crls.rows.map((row) => Number(row.crl_number));
      expect(numbers).toEqual(numbers.map((_, index) => index + 1)); // one by one, none twice
      expect(numbers[numbers.length - 1]).toBe(after);
      // The record names the CRL served: its digest.
      const served = createHash('sha256')
        .update(readFileSync(join(dir, 'crl.der')))
        .digest('hex');
      expect(crls.rows[crls.rows.length - 1].sha256).toBe(served);
      const responders = await database.query(
        'SELECT instance_id FROM pki.ocsp_responder_certificates WHERE ca_id = $1',
        [caId],
      );
      expect(new Set(responders.rows.map((row) => row.instance_id)).size).toBe(2); // one per start
    } finally {
      await database.end();
    }
  });
});
