import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { createSign, KeyObject } from 'node:crypto';
import { CommandReply } from '@certm3/contracts';
import { collect, EventStore } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { CommandClient } from '@certm3/test-support/command-client';
import { CommandApiTestStack } from '../testing/command-api-test-stack';
import { activePolicy, createOrganization, registerUser } from '../testing/fixtures';

type Data = Record<string, unknown> & { id: string };

/** A CSR for an RSA key whose SubjectPublicKeyInfo spells the algorithm's NULL parameters, or leaves them out. */
function rsaCsr(
  privateKey: KeyObject,
  publicKey: KeyObject,
  commonName: string,
  nullParameters: boolean,
): string {
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const info = new CertificationRequestInfo({
    version: 0,
    subject: new Name([
      new RelativeDistinguishedName([
        new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: commonName }) }),
      ]),
    ]),
    subjectPKInfo: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({
        algorithm: '1.2.840.113549.1.1.1',
        ...(nullParameters ? { parameters: new Uint8Array([5, 0]).buffer } : {}),
      }),
      subjectPublicKey: spki.subjectPublicKey,
    }),
  });
  const signature = createSign('sha256')
    .update(Buffer.from(AsnConvert.serialize(info)))
    .sign(privateKey);
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm: '1.2.840.113549.1.1.11',
      parameters: new Uint8Array([5, 0]).buffer,
    }),
    signature: new Uint8Array(signature).buffer,
  });
  const der = Buffer.from(AsnConvert.serialize(request));
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** Revocation, holds, blocked keys and renewal over NATS. */
describe('revocation and renewal over NATS', () => {
  let stack: CommandApiTestStack;
  let client: CommandClient;
  let store: EventStore;
  let caId: string;
  let policyId: string;
  const dir = mkdtempSync(join(tmpdir(), 'certm3-revoke-'));

  const ok = (reply: CommandReply): Data => {
    if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
    return reply.data as Data;
  };
  const refusal = (reply: CommandReply) => (reply.ok ? 'accepted' : reply.error.code);
  /** A CSR for a P-256 key; the same `name` is the same key. */
  const keys = new Map<string, string>();
  const csrFor = (name: string, commonName: string) => {
    if (!keys.has(name)) {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      writeFileSync(join(dir, `${name}.key`), key);
      keys.set(name, join(dir, `${name}.key`));
    }
    return execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      keys.get(name)!,
      '-subj',
      `/CN=${commonName}`,
    ]).toString();
  };
  const issueServerSide = async (commonName = `${randomUUID().slice(0, 8)}.example.com`) =>
    ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName },
        subjectAlternativeNames: [{ type: 'DNS', value: commonName }],
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 90,
      }),
    );

  beforeAll(async () => {
    stack = await CommandApiTestStack.start('revocation');
    ({ client, store } = stack);
    caId = ok(
      await client.reply('CreateCertificateAuthority', {
        name: 'Revoking',
        subject: { commonName: 'certm3 revoking CA' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 3650,
      }),
    ).id;
    policyId = ok(
      await client.reply('CreatePolicy', {
        policyCode: 'revoke-tls',
        name: 'TLS',
        issuerId: caId,
        policyRules: {},
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId }));
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('holds a certificate, releases it, and then revokes it finally, with its invalidity date', async () => {
    const { certificateId } = (await issueServerSide()) as unknown as { certificateId: string };
    ok(
      await client.reply('RevokeCertificate', {
        certificateId,
        reason: 'certificateHold',
        comment: 'lost laptop',
      }),
    );
    expect(
      refusal(await client.reply('RevokeCertificate', { certificateId, reason: 'certificateHold' })),
    ).toBe('CERTIFICATE_ALREADY_SUSPENDED');
    ok(await client.reply('ReleaseCertificateHold', { certificateId }));
    expect(refusal(await client.reply('ReleaseCertificateHold', { certificateId }))).toBe(
      'CERTIFICATE_NOT_SUSPENDED',
    );
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      refusal(
        await client.reply('RevokeCertificate', {
          certificateId,
          reason: 'keyCompromise',
          invalidityDate: ahead,
        }),
      ),
    ).toBe('INVALIDITY_DATE_AHEAD');
    expect(refusal(await client.reply('RevokeCertificate', { certificateId, reason: 'removeFromCRL' }))).toBe(
      'VALIDATION_FAILED',
    );
    const invalidityDate = new Date(Date.now() - 3_600_000).toISOString();
    ok(
      await client.reply('RevokeCertificate', {
        certificateId,
        reason: 'cessationOfOperation',
        invalidityDate,
      }),
    );
    expect(refusal(await client.reply('ReleaseCertificateHold', { certificateId }))).toBe(
      'CERTIFICATE_NOT_SUSPENDED',
    );
    const events = await collect(store.readStream(`certificate-${certificateId}`));
    expect(events.map((event) => event.type)).toEqual([
      'CertificateIssued',
      'CertificateSuspended',
      'CertificateHoldReleased',
      'CertificateRevoked',
    ]);
    expect(events[3]!.data).toMatchObject({ reason: 'cessationOfOperation', invalidityDate });
    expect(typeof (events[3]!.data as { revokedAt: unknown }).revokedAt).toBe('string');
  });

  it('never certifies a key revoked for keyCompromise again (KEY_COMPROMISED), whichever commits first in a race', async () => {
    const first = ok(
      await client.reply('SubmitCertificateRequest', { policyId, csr: csrFor('stolen', 'a.example.com') }),
    );
    const certificateId = first.certificateId as string;
    const racing = Array.from({ length: 8 }, (_, index) =>
      client.reply('SubmitCertificateRequest', {
        policyId,
        csr: csrFor('stolen', `race${index}.example.com`),
      }),
    );
    const revocation = client.reply('RevokeCertificate', { certificateId, reason: 'keyCompromise' });
    const [revoked, ...replies] = await Promise.all([revocation, ...racing]);
    ok(revoked);
    const all = await collect(store.readAll());
    const blocked = all.find((event) => event.type === 'PublicKeyBlocked')!;
    expect(blocked.data).toMatchObject({ certificateId });
    for (const reply of replies) {
      if (reply.ok) {
        // Issued before the block committed, never after.
        const issued = all.find(
          (event) =>
            event.type === 'CertificateIssued' &&
            (event.data as { certificateId: string }).certificateId === (reply.data as Data).certificateId,
        )!;
        expect(issued.position.commit < blocked.position.commit).toBe(true);
      } else expect(reply.error.code).toBe('KEY_COMPROMISED');
    }
    const after = await client.reply('SubmitCertificateRequest', {
      policyId,
      csr: csrFor('stolen', 'b.example.com'),
    });
    expect(after).toMatchObject({ ok: false, error: { code: 'KEY_COMPROMISED' } });
    // Another key is fine.
    ok(await client.reply('SubmitCertificateRequest', { policyId, csr: csrFor('fresh', 'b.example.com') }));
  });

  it('blocks a compromised RSA key however its encoder spells it (regression: NULL parameters left out got past the block)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issued = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        csr: rsaCsr(privateKey, publicKey, 'rsa.example.com', true),
      }),
    );
    ok(
      await client.reply('RevokeCertificate', {
        certificateId: issued.certificateId,
        reason: 'keyCompromise',
      }),
    );
    for (const nullParameters of [true, false])
      expect(
        refusal(
          await client.reply('SubmitCertificateRequest', {
            policyId,
            csr: rsaCsr(privateKey, publicKey, 'rsa.example.com', nullParameters),
          }),
        ),
      ).toBe('KEY_COMPROMISED');
  });

  it('revokes under a grant scoped to the certificate’s organization, and nowhere else', async () => {
    const [acme, globex] = [
      await createOrganization(client, 'ACME'),
      await createOrganization(client, 'GLOBEX'),
    ];
    const policyIn = (organizationId: string) => activePolicy(client, { issuerId: caId, organizationId });
    const officer = await registerUser(client, 'officer');
    ok(await client.reply('AddUserToOrganization', { userId: officer, organizationId: acme }));
    const roleId = ok(
      await client.reply('CreateRole', {
        roleCode: `REVOKER_${randomUUID().slice(0, 6).toUpperCase()}`,
        name: 'Revoker',
        permissions: { certificates: ['revoke'] },
      }),
    ).id;
    ok(await client.reply('AssignRole', { userId: officer, roleId, organizationId: acme }));
    const inOrganization = async (organizationId: string) =>
      ok(
        await client.reply('SubmitCertificateRequest', {
          policyId: await policyIn(organizationId),
          subject: { commonName: 'scoped.example.com' },
          keyAlgorithm: 'ECDSA_P256',
        }),
      ).certificateId as string;
    const [acmeCertificate, globexCertificate] = [await inOrganization(acme), await inOrganization(globex)];
    ok(
      await client.reply(
        'RevokeCertificate',
        { certificateId: acmeCertificate, reason: 'affiliationChanged' },
        { actorId: officer },
      ),
    );
    expect(
      await client.reply(
        'RevokeCertificate',
        { certificateId: globexCertificate, reason: 'affiliationChanged' },
        { actorId: officer },
      ),
    ).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
  });

  it('renews only as a request could be made (regression: an organization’s requester renewed a global policy’s certificate with their own names and key)', async () => {
    const organizationId = await createOrganization(client, 'RENEW');
    const member = await registerUser(client, 'member');
    ok(await client.reply('AddUserToOrganization', { userId: member, organizationId }));
    const requester = await registerUser(client, 'renewer');
    ok(await client.reply('AddUserToOrganization', { userId: requester, organizationId }));
    ok(
      await client.reply('AssignRole', {
        userId: requester,
        roleId: '0c7d8a1e-5b7f-5e0a-8f3c-1a2b3c4d5e03', // REQUESTER
        organizationId,
      }),
    );
    // The member's certificate under the global policy.
    const global = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId,
        subject: { commonName: 'payments.example.com' },
        keyAlgorithm: 'ECDSA_P256',
        ownerUserId: member,
      }),
    ).certificateId as string;
    expect(
      await client.reply(
        'RenewCertificate',
        { certificateId: global, csr: csrFor('intruder', 'payments.example.com') },
        { actorId: requester },
      ),
    ).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    // A CSR naming something else is a new request, not a renewal.
    const named = ok(
      await client.reply('SubmitCertificateRequest', { policyId, csr: csrFor('named', 'named.example.com') }),
    ).certificateId as string;
    expect(
      refusal(
        await client.reply('RenewCertificate', {
          certificateId: named,
          csr: csrFor('named-2', 'other.example.com'),
        }),
      ),
    ).toBe('CERTIFICATE_NOT_RENEWABLE');

    // A policy that waits for approval does not renew (each renewal would queue another, unlinked).
    const approving = ok(
      await client.reply('CreatePolicy', {
        policyCode: `approving-${randomUUID().slice(0, 6)}`,
        name: 'approving',
        issuerId: caId,
        policyRules: {},
      }),
    ).id;
    ok(await client.reply('ActivatePolicy', { policyId: approving }));
    const waiting = ok(
      await client.reply('SubmitCertificateRequest', {
        policyId: approving,
        subject: { commonName: 'approve.example.com' },
        keyAlgorithm: 'ECDSA_P256',
        validityDays: 90,
      }),
    ).certificateId as string;
    ok(await client.reply('DeactivatePolicy', { policyId: approving }));
    ok(
      await client.reply('UpdatePolicy', {
        policyId: approving,
        policyRules: { require_approval: true, max_validity_days: 30, renewal_threshold_days: 10 },
      }),
    );
    ok(await client.reply('ActivatePolicy', { policyId: approving }));
    expect(refusal(await client.reply('RenewCertificate', { certificateId: waiting }))).toBe(
      'CERTIFICATE_NOT_RENEWABLE',
    );
    // Without approval again but a shorter maximum: the successor lives as long as the policy allows.
    ok(await client.reply('DeactivatePolicy', { policyId: approving }));
    ok(
      await client.reply('UpdatePolicy', {
        policyId: approving,
        policyRules: { max_validity_days: 30, renewal_threshold_days: 10 },
      }),
    );
    ok(await client.reply('ActivatePolicy', { policyId: approving }));
    const successor = ok(await client.reply('RenewCertificate', { certificateId: waiting }));
    const lived = new X509Certificate(successor.certificatePem as string);
    expect(Date.parse(lived.validTo) - Date.parse(lived.validFrom)).toBeLessThanOrEqual(
      30 * 86_400_000 + 120_000,
    );
  });

  it('renews a server-side key with the same names and lifetime, once; a CSR-based one only with a CSR', async () => {
    const predecessor = await issueServerSide('renew.example.com');
    const predecessorId = predecessor.certificateId as string;
    const renewed = ok(await client.reply('RenewCertificate', { certificateId: predecessorId }));
    expect(renewed).toMatchObject({ status: 'issued', renewalOf: predecessorId });
    const [before, after] = [
      new X509Certificate(predecessor.certificatePem as string),
      new X509Certificate(renewed.certificatePem as string),
    ];
    expect(after.subject).toBe(before.subject);
    expect(after.subjectAltName).toBe(before.subjectAltName);
    expect(after.publicKey.export({ type: 'spki', format: 'der' })).not.toEqual(
      before.publicKey.export({ type: 'spki', format: 'der' }),
    );
    const lifetime = (certificate: X509Certificate) =>
      Date.parse(certificate.validTo) - Date.parse(certificate.validFrom);
    expect(Math.abs(lifetime(after) - lifetime(before))).toBeLessThan(5_000);
    expect(refusal(await client.reply('RenewCertificate', { certificateId: predecessorId }))).toBe(
      'CERTIFICATE_ALREADY_RENEWED',
    );
    const types = (await collect(store.readStream(`certificate-${predecessorId}`))).map(
      (event) => event.type,
    );
    // This policy does not revoke what it supersedes.
    expect(types).toEqual(['CertificateIssued', 'CertificateRenewed']);

    const csrBased = ok(
      await client.reply('SubmitCertificateRequest', { policyId, csr: csrFor('kept', 'kept.example.com') }),
    );
    expect(refusal(await client.reply('RenewCertificate', { certificateId: csrBased.certificateId }))).toBe(
      'CERTIFICATE_NOT_RENEWABLE',
    );
    ok(
      await client.reply('RenewCertificate', {
        certificateId: csrBased.certificateId,
        csr: csrFor('kept-next', 'kept.example.com'),
      }),
    );

    const imported = ok(
      await client.reply('RegisterCertificate', {
        userId: stack.adminId,
        certificateData: await createTestCertificate(),
      }),
    ).id;
    expect(refusal(await client.reply('RenewCertificate', { certificateId: imported }))).toBe(
      'CERTIFICATE_NOT_RENEWABLE',
    );
    const revoked = (await issueServerSide()).certificateId as string;
    ok(await client.reply('RevokeCertificate', { certificateId: revoked, reason: 'unspecified' }));
    expect(refusal(await client.reply('RenewCertificate', { certificateId: revoked }))).toBe(
      'CERTIFICATE_NOT_RENEWABLE',
    );
    expect(refusal(await client.reply('RenewCertificate', { certificateId: randomUUID() }))).toBe(
      'NOT_FOUND',
    );
  });

  it('renews a certificate once when ten renewals race, and holds and releases it once when ten of each race', async () => {
    const { certificateId } = (await issueServerSide()) as unknown as { certificateId: string };
    const renewals = await Promise.all(
      Array.from({ length: 10 }, () => client.reply('RenewCertificate', { certificateId })),
    );
    expect(renewals.filter((reply) => reply.ok)).toHaveLength(1);
    expect(new Set(renewals.filter((reply) => !reply.ok).map(refusal))).toEqual(
      new Set(['CERTIFICATE_ALREADY_RENEWED']),
    );
    const types = (await collect(store.readStream(`certificate-${certificateId}`))).map(
      (event) => event.type,
    );
    expect(types.filter((type) => type === 'CertificateRenewed')).toHaveLength(1);
    // Only the one successor was issued for it.
    const successors = (await collect(store.readAll())).filter(
      (event) =>
        event.type === 'CertificateIssued' &&
        (event.data as { renewalOf?: string }).renewalOf === certificateId,
    );
    expect(successors).toHaveLength(1);

    const holds = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.reply('RevokeCertificate', { certificateId, reason: 'certificateHold' }),
      ),
    );
    expect(holds.filter((reply) => reply.ok)).toHaveLength(1);
    expect(new Set(holds.filter((reply) => !reply.ok).map(refusal))).toEqual(
      new Set(['CERTIFICATE_ALREADY_SUSPENDED']),
    );
    const releases = await Promise.all(
      Array.from({ length: 10 }, () => client.reply('ReleaseCertificateHold', { certificateId })),
    );
    expect(releases.filter((reply) => reply.ok)).toHaveLength(1);
    expect(new Set(releases.filter((reply) => !reply.ok).map(refusal))).toEqual(
      new Set(['CERTIFICATE_NOT_SUSPENDED']),
    );
  });
});
