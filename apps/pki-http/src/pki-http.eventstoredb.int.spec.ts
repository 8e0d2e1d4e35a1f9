/**
 * pki-http on the EventStoreDB event store (through the protocol emulator, as the other apps are tested),
 * and on a log written without the command API: an authority whose key openssl made and the vault sealed,
 * certificates issued and revoked as events. The CRL lists what the log says when it starts and what is
 * appended while it runs; OCSP answers for both.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { EsdbEmulator } from '@certm3/event-store/testing/esdb-emulator/esdb-emulator';
import { createEventStore, EventStore, EventToAppend, JsonObject } from '@certm3/event-store';
import { PostgresKeyVault } from '@certm3/key-vault';
import { AppName, AppProcess, healthWhen } from '@certm3/test-support/app-process';
import { TEST_MASTER_KEY } from '@certm3/test-support/key-vault-env';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import { OpensslAuthority, opensslAuthority } from '../../../libs/pki/src/testing/openssl-authority';

const event = (type: string, data: JsonObject): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { occurredAt: new Date().toISOString(), schemaVersion: type === 'CertificateRevoked' ? 2 : 1 },
});

describe('pki-http on EventStoreDB', () => {
  let emulator: EsdbEmulator;
  let store: EventStore;
  let database: ScratchDatabase;
  let ca: OpensslAuthority;
  let app: AppProcess | undefined;
  const caId = randomUUID();

  const issueAndRevoke = async (name: string, serial: string, revoke: boolean) => {
    ca.leaf(name, serial);
    const certificateId = randomUUID();
    const stream = `certificate-${certificateId}`;
    await store.append(
      stream,
      [
        event('CertificateIssued', {
          certificateId,
          caId,
          serialNumber: serial,
          notAfter: new Date(Date.now() + 10 * 86_400_000).toISOString(),
        }),
        ...(revoke
          ? [
              event('CertificateRevoked', {
                certificateId,
                reason: 'affiliationChanged',
                revokedAt: new Date().toISOString(),
              }),
            ]
          : []),
      ],
      { expectedRevision: 'no_stream' },
    );
  };

  beforeAll(async () => {
    emulator = new EsdbEmulator();
    await emulator.start();
    store = await createEventStore({ url: emulator.url });
    database = await createScratchDatabase('certm3_pki_esdb');
    ca = opensslAuthority(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    // The authority's key, sealed as the command API seals it (bound to the authority's id).
    const vault = await PostgresKeyVault.open({
      url: database.url,
      masterKey: Buffer.from(TEST_MASTER_KEY, 'base64'),
    });
    const pkcs8 = createPrivateKey(readFileSync(join(ca.dir, 'ca.key'))).export({
      type: 'pkcs8',
      format: 'der',
    });
    const sealed = await vault.seal(pkcs8, `certificate-authority/${caId}/private-key`);
    await vault.close();
    await store.append(
      `certificate-authority-${caId}`,
      [
        event('CertificateAuthorityCreated', {
          caId,
          name: 'openssl',
          subject: { commonName: 'Revocation CA', organization: 'certm3 tests', country: 'DE' },
          keyAlgorithm: 'ECDSA_P384',
          parentId: null,
          organizationId: null,
          certificatePem: readFileSync(join(ca.dir, 'ca.pem'), 'utf8'),
          chainPem: readFileSync(join(ca.dir, 'ca.pem'), 'utf8'),
          notAfter: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          privateKey: { dataKeyId: sealed.dataKeyId, ciphertext: sealed.ciphertext },
        }),
      ],
      { expectedRevision: 'no_stream' },
    );
  }, 60_000);
  afterAll(async () => {
    await app?.kill();
    await store?.close();
    await emulator?.stop();
    await database?.drop();
    ca?.remove();
  });

  it('lists what the log says at start and what is appended while it runs, and answers OCSP for both', async () => {
    await issueAndRevoke('before', '0a0b0c', true);
    await issueAndRevoke('good', '0a0b0d', false);
    app = AppProcess.start('pki-http' as AppName, {
      EVENT_STORE_URL: emulator.url,
      KEY_VAULT_DATABASE_URL: database.url,
      CERTM3_MASTER_KEY: TEST_MASTER_KEY,
      PKI_DATABASE_URL: database.url,
      NATS_SUBJECT_PREFIX: `pki-esdb-${randomUUID().slice(0, 8)}`,
      PKI_HTTP_PORT: '0',
    });
    const port = await app.started();
    expect(await healthWhen(port, ({ status }) => status === 200)).toMatchObject({
      status: 200,
      body: { checks: { eventStore: { adapter: 'eventstoredb' }, revocation: { status: 'up' } } },
    });
    const crlText = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/crl/${caId}.crl`);
      ca.write('crl.der', Buffer.from(await response.arrayBuffer()));
      return ca.openssl('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text');
    };
    expect(await crlText()).toMatch(/Serial Number: 0A0B0C[\s\S]*Affiliation Changed/);
    expect(
      ca.opensslAnyway('crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-CAfile', 'ca.pem', '-verify'),
    ).toContain('verify OK');

    await issueAndRevoke('after', '0a0b0e', true);
    const deadline = Date.now() + 30_000;
    while (!(await crlText()).includes('Serial Number: 0A0B0E')) {
      if (Date.now() > deadline) throw new Error('the live revocation never reached the CRL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ocsp = (leaf: string) =>
      ca.opensslAnyway(
        'ocsp',
        '-issuer',
        'ca.pem',
        '-cert',
        `${leaf}.pem`,
        '-url',
        `http://127.0.0.1:${port}/ocsp`,
        '-CAfile',
        'ca.pem',
      );
    expect(ocsp('after')).toMatch(/after.pem: revoked[\s\S]*Reason: affiliationChanged/);
    expect(ocsp('good')).toContain('good.pem: good');
    expect(ocsp('good')).toContain('Response verify OK');
    app.signal('SIGTERM');
    expect(await app.exited).toBe(0);
  });
});
