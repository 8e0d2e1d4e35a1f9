import { createHash, createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import {
  assertAuthorityIssues,
  assertPolicyAcceptsRequests,
  CaKeyAlgorithm,
  certificateAuthorityDecider,
  certificateDecider,
  certificateRequestDecider,
  CertificateState,
  compromisedKeyDecider,
  DistinguishedName,
  policyDecider,
  policyViolations,
  refuse,
  streamIds,
  SUBJECT_FIELDS,
  SubjectAlternativeName,
  userDecider,
  withPrivateKey,
} from '@certm3/domain';
import { ISSUANCE_COMMANDS } from '@certm3/contracts';
import {
  checkPublicKey,
  CsrRefusal,
  KeyRefusal,
  parseCertificateRequest,
  ParsedCsr,
  randomSerialNumber,
  writeLeafCertificate,
} from '@certm3/pki';
import { SealedSecret } from '@certm3/key-vault';
import {
  CommandInput,
  CommandRun,
  CommandServices,
  defineCommandHandler,
  DefinitionsOf,
} from '../execution/command-definition';
import { CommandValidationError } from '../execution/command-executor';
import { derivedId } from '../execution/derived-id';
import { LoadedStream, StreamSession } from '../execution/stream-session';
import { exportPrivateKey, generateKeyPair } from './certificate-builder';
import { sanProblem } from './subject-alternative-names';
import { reserveFingerprint } from '../certificates/certificates.definitions';
import { recordSealingKey } from './keys.definitions';

type SubmitBody = CommandInput<'SubmitCertificateRequest'>['body'];
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const MINUTE = 60_000;
const DAY = 86_400_000;

/** What a server-side key is bound to in the vault: it opens as this certificate's key only. */
export const certificateKeyContext = (certificateId: string) => `certificate/${certificateId}/private-key`;

const KEY_OF_ALGORITHM: Record<CaKeyAlgorithm, { algorithm: 'RSA' | 'ECDSA'; size: number }> = {
  ECDSA_P256: { algorithm: 'ECDSA', size: 256 },
  ECDSA_P384: { algorithm: 'ECDSA', size: 384 },
  RSA_2048: { algorithm: 'RSA', size: 2048 },
  RSA_3072: { algorithm: 'RSA', size: 3072 },
  RSA_4096: { algorithm: 'RSA', size: 4096 },
};

/** The request as this delivery understood it, before any stream is read. */
export type Understood =
  | { readonly source: 'csr'; readonly csr: ParsedCsr; readonly pem: string }
  | { readonly source: 'csr'; readonly refusal: CsrRefusal }
  | {
      readonly source: 'server';
      readonly keyAlgorithm: CaKeyAlgorithm;
      readonly subject: DistinguishedName;
      readonly subjectAlternativeNames: readonly SubjectAlternativeName[];
    };

export function understand(body: SubmitBody): Understood {
  const serverSide = ['subject', 'subjectAlternativeNames', 'keyAlgorithm'] as const;
  const problems: { field: string; message: string }[] = [];
  if (body.validityDays !== undefined && body.notAfter !== undefined)
    problems.push({ field: 'notAfter', message: 'give validityDays or notAfter, not both' });
  if (body.csr !== undefined) {
    for (const field of serverSide)
      if (body[field] !== undefined)
        problems.push({ field, message: `${field} comes from the CSR: leave it out when sending csr` });
  } else {
    if (!body.subject) problems.push({ field: 'subject', message: 'subject is required without csr' });
    if (!body.keyAlgorithm)
      problems.push({ field: 'keyAlgorithm', message: 'keyAlgorithm is required without csr' });
    for (const [index, san] of (body.subjectAlternativeNames ?? []).entries()) {
      const problem = sanProblem(san);
      if (problem) problems.push({ field: `subjectAlternativeNames[${index}].value`, message: problem });
    }
  }
  if (problems.length > 0) throw new CommandValidationError(problems);
  if (body.csr === undefined)
    return {
      source: 'server',
      keyAlgorithm: body.keyAlgorithm!,
      subject: body.subject!,
      subjectAlternativeNames: body.subjectAlternativeNames ?? [],
    };
  try {
    const csr = parseCertificateRequest(body.csr);
    for (const san of csr.subjectAlternativeNames) {
      const problem = sanProblem(san);
      if (problem)
        throw new CsrRefusal([
          { rule: 'san-value', message: `${san.type} ${JSON.stringify(san.value)}: ${problem}` },
        ]);
    }
    return { source: 'csr', csr, pem: body.csr };
  } catch (error) {
    if (error instanceof CsrRefusal) return { source: 'csr', refusal: error };
    throw error;
  }
}

/** The refusals of libs/pki as the domain's, with their details as they are. */
function refuseWith(error: CsrRefusal | KeyRefusal): never {
  return refuse(error.code, error.message, error.details as never);
}

function subjectOf(
  csr: ParsedCsr,
  fixed: DistinguishedName | Partial<DistinguishedName>,
): Partial<DistinguishedName> {
  const picked: Record<string, string> = {};
  for (const field of SUBJECT_FIELDS) {
    const value = csr.subject.fields[field];
    if (value !== undefined) picked[field] = value;
  }
  return { ...picked, ...fixed };
}

/** The lifetime asked for, as an instant, and in whole days (as max_validity_days counts it). */
function requestedLifetime(body: SubmitBody, now: number, maxValidityDays: number) {
  const notAfter =
    body.notAfter !== undefined
      ? Date.parse(body.notAfter)
      : now + (body.validityDays ?? maxValidityDays) * DAY;
  if (notAfter < now + MINUTE)
    refuse('POLICY_VIOLATION', 'notAfter must be at least one minute ahead', [
      {
        rule: 'not_after',
        limit: new Date(now + MINUTE).toISOString(),
        actual: new Date(notAfter).toISOString(),
      },
    ]);
  return { notAfter: new Date(notAfter), validityDays: Math.ceil((notAfter - now) / DAY) };
}

function toPem(der: Buffer): string {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

/**
 * SHA-256 of a SubjectPublicKeyInfo in its canonical DER (as node:crypto writes it back), hex: the same key
 * in two certificates or requests has one value, however its encoder spelled it (regression: an RSA key
 * with its NULL parameters left out got past the keyCompromise block of the same key with them).
 */
export function publicKeyFingerprint(spki: Uint8Array): string {
  const canonical = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'der',
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Makes (once) and seals the server-side key of a request, bound to the certificate it is for. */
export function keyMaker(
  understood: Understood,
  certificateId: string,
  keyVault: CommandServices['keyVault'],
): Prepared['material'] {
  let making: ReturnType<Prepared['material']> | undefined;
  return () =>
    (making ??= (async () => {
      if (understood.source !== 'server') throw new Error('no key is made for a CSR');
      const keys = await generateKeyPair(understood.keyAlgorithm);
      const pkcs8 = await exportPrivateKey(keys.privateKey);
      try {
        return { keys, sealed: await keyVault().seal(pkcs8, certificateKeyContext(certificateId)) };
      } finally {
        pkcs8.fill(0);
      }
    })());
}

export interface Prepared {
  readonly requestId: string;
  readonly certificateId: string;
  readonly understood: Understood;
  /** The server-side key pair and its seal, made once per delivery and only once the actor may have it. */
  readonly material: () => Promise<{ keys: CryptoKeyPair; sealed: SealedSecret }>;
}

async function loadPolicy(session: StreamSession, policyId: string) {
  return session.load(streamIds.policy(policyId), policyDecider);
}

/** A request that renews a certificate: its successor names it, and it names its successor. */
export interface Renewal {
  readonly predecessorId: string;
  readonly predecessor: LoadedStream<CertificateState>;
}

export async function submit(
  run: Omit<CommandRun<'SubmitCertificateRequest', Prepared>, 'access' | 'selfService'>,
  renewal?: Renewal,
) {
  const { body, prepared, session, services, context } = run;
  const { requestId, certificateId, understood } = prepared;
  const request = await session.load(streamIds.certificateRequest(requestId), certificateRequestDecider);
  if (request.state.exists && request.writtenByThisCommand.length > 0) {
    // Decided again after a conflict elsewhere: this command's own events are already pending.
    refuse('REQUEST_ALREADY_EXISTS');
  }
  if (request.state.exists) refuse('REQUEST_ALREADY_EXISTS');
  const policy = assertPolicyAcceptsRequests((await loadPolicy(session, body.policyId)).state);
  const rules = policy.policyRules;
  if ('refusal' in understood) refuseWith(understood.refusal);

  let key: { algorithm: 'RSA' | 'ECDSA'; size: number };
  let spki: Buffer | undefined;
  let subject: Partial<DistinguishedName>;
  let sans: readonly SubjectAlternativeName[];
  if (understood.source === 'csr') {
    const { csr } = understood;
    try {
      checkPublicKey(csr.publicKey.spki, { minRsaBits: rules.min_key_size });
    } catch (error) {
      if (error instanceof KeyRefusal) refuseWith(error);
      throw error;
    }
    const algorithm = csr.keyAlgorithm;
    key =
      algorithm.name === 'RSA'
        ? { algorithm: 'RSA', size: algorithm.modulusBits }
        : { algorithm: 'ECDSA', size: algorithm.curve === 'P-384' ? 384 : 256 };
    spki = csr.publicKey.spki;
    // A key revoked for keyCompromise is never certified again; the block is held at commit, so a request
    // racing the revocation is decided again and refused.
    const fingerprint = publicKeyFingerprint(spki);
    const blocked = await session.load(streamIds.compromisedKey(fingerprint), compromisedKeyDecider);
    if (blocked.state.blocked)
      refuse('KEY_COMPROMISED', undefined, [
        { publicKeyFingerprint: fingerprint, revokedAt: blocked.state.blockedAt },
      ]);
    subject = subjectOf(csr, rules.fixed_subject);
    sans = csr.subjectAlternativeNames;
  } else {
    key = KEY_OF_ALGORITHM[understood.keyAlgorithm];
    subject = { ...understood.subject, ...rules.fixed_subject };
    sans = understood.subjectAlternativeNames;
  }
  const now = Date.parse(session.now);
  const lifetime = requestedLifetime(body, now, rules.max_validity_days);
  const problems = policyViolations(
    { subject, subjectAlternativeNames: sans, key, validityDays: lifetime.validityDays },
    rules,
  );
  const commonName = subject.commonName ?? sans.find((san) => san.type === 'DNS')?.value;
  if (!commonName && !problems.some((problem) => problem.rule === 'required_subject_fields'))
    problems.push({ rule: 'required_subject_fields', field: 'commonName' });
  if (problems.length > 0) refuse('POLICY_VIOLATION', undefined, problems);

  const authorityStream = await session.load(
    streamIds.certificateAuthority(policy.issuerId),
    certificateAuthorityDecider,
  );
  const authority = assertAuthorityIssues(authorityStream.state, session.now);
  if (lifetime.notAfter.getTime() > Date.parse(authority.notAfter))
    refuse('POLICY_VIOLATION', 'a certificate cannot outlive its authority', [
      { rule: 'authority_validity', limit: authority.notAfter, actual: lifetime.notAfter.toISOString() },
    ]);

  const ownerUserId = body.ownerUserId ?? context.actorId!;
  const owner = await session.load(streamIds.user(ownerUserId), userDecider);
  if (!owner.state.exists) refuse('NOT_FOUND', 'no such user', [{ ownerUserId }]);
  if (owner.state.status !== 'active')
    refuse('USER_INACTIVE', 'a user who is not active cannot receive certificates', [{ ownerUserId }]);
  // A certificate under an organization's policy is for one of its members (or the actor, whose permission
  // was checked there): nobody issues, with a key they could then export, to someone outside it.
  if (
    policy.organizationId !== null &&
    ownerUserId !== context.actorId &&
    !owner.state.organizations.has(policy.organizationId)
  )
    refuse('NOT_IN_ORGANIZATION', 'the certificate’s owner is not a member of the policy’s organization', [
      { ownerUserId, organizationId: policy.organizationId },
    ]);

  const dn: DistinguishedName = { ...subject, commonName: commonName! };
  const submitted = {
    requestId,
    policyId: policy.policyId,
    caId: authority.caId,
    organizationId: policy.organizationId,
    requestedBy: context.actorId!,
    ownerUserId,
    keySource: understood.source,
    csrPem: understood.source === 'csr' ? understood.pem : null,
    subject: dn,
    subjectAlternativeNames: sans,
    keyAlgorithm: key.algorithm,
    keySize: key.size,
    notAfter: lifetime.notAfter.toISOString(),
    requiresApproval: rules.require_approval,
  };
  const submittedEvents = certificateRequestDecider.decide(
    { type: 'SubmitCertificateRequest', ...submitted },
    request.state,
  );
  if (rules.require_approval) {
    // The approvals issue decides it; until then it waits, and says so. No key is made for it yet.
    const revision = session.append(request, submittedEvents);
    return { id: requestId, revision, status: 'pending_approval' as const };
  }
  const material = understood.source === 'server' ? await prepared.material() : undefined;
  if (material) {
    spki = Buffer.from(await webcrypto.subtle.exportKey('spki', material.keys.publicKey));
    await recordSealingKey(session, material.sealed.keyEncryptionKeyId, session.now);
  }

  const issuer = await services.signingKeys.open(authority);
  const base = services.pkiBaseUrl.replace(/\/+$/, '');
  // Whole seconds: what the certificate's times can say.
  const second = (at: number) => new Date(Math.floor(at / 1000) * 1000);
  const serial = randomSerialNumber();
  const der = await writeLeafCertificate({
    issuer: issuer.profile,
    serialNumber: serial,
    subject: dn,
    subjectAlternativeNames: sans,
    publicKey: spki!,
    notBefore: second(now - MINUTE),
    notAfter: second(lifetime.notAfter.getTime()),
    // An EC key cannot encipher keys (RFC 5480): such usages are left out for it, as public CAs do.
    keyUsages: rules.key_usages.filter(
      (usage) => key.algorithm === 'RSA' || (usage !== 'keyEncipherment' && usage !== 'dataEncipherment'),
    ),
    extendedKeyUsages: rules.extended_key_usages,
    crlDistributionPoint: `${base}/crl/${authority.caId}.crl`,
    ocsp: `${base}/ocsp`,
    caIssuers: `${base}/ca/${authority.caId}.crt`,
  });
  const parsed = new X509Certificate(der);
  const built = {
    pem: toPem(der),
    serialNumber: serial.toString('hex'),
    notBefore: new Date(parsed.validFrom).toISOString(),
    notAfter: new Date(parsed.validTo).toISOString(),
  };
  const fingerprintSha256 = parsed.fingerprint256;

  await reserveFingerprint(session, fingerprintSha256, certificateId);
  const certificate = await session.load(streamIds.certificate(certificateId), certificateDecider);
  session.append(
    certificate,
    certificateDecider.decide(
      {
        type: 'IssueCertificate',
        now: session.now,
        certificateId,
        requestId,
        userId: ownerUserId,
        certificateData: built.pem,
        caId: authority.caId,
        policyId: policy.policyId,
        organizationId: policy.organizationId,
        keySource: understood.source,
        privateKey: material
          ? {
              ...material.sealed,
              algorithm: understood.source === 'server' ? understood.keyAlgorithm : key.algorithm,
            }
          : null,
        serialNumber: built.serialNumber,
        // RFC 4514 (most specific first), as clm_secure_db shows every certificate's names.
        subject: parsed.subject.split('\n').reverse().join(','),
        issuer: parsed.issuer.split('\n').reverse().join(','),
        notBefore: built.notBefore,
        notAfter: built.notAfter,
        fingerprintSha256,
        commonName: dn.commonName,
        subjectAlternativeNames: sans,
        keyAlgorithm: key.algorithm,
        keySize: key.size,
        isCa: false,
        publicKeyFingerprint: publicKeyFingerprint(spki!),
        ...(renewal ? { renewalOf: renewal.predecessorId } : {}),
      },
      certificate.state,
    ),
  );
  // The request's events go last, together: a session appends to one stream at a time.
  const pending = submittedEvents.reduce(certificateRequestDecider.evolve, request.state);
  const revision = session.append(request, [
    ...submittedEvents,
    ...certificateRequestDecider.decide(
      { type: 'FulfilCertificateRequest', certificateId, serialNumber: built.serialNumber },
      pending,
    ),
  ]);
  if (renewal) {
    // The predecessor last: it names its successor and, where the policy says so, is revoked as superseded.
    const { predecessor } = renewal;
    const linked = certificateDecider.decide(
      { type: 'RecordRenewal', successorId: certificateId, now: session.now },
      predecessor.state,
    );
    const afterLink = linked.reduce(certificateDecider.evolve, predecessor.state);
    const superseded =
      rules.revoke_superseded &&
      afterLink.exists &&
      (afterLink.status === 'active' || afterLink.status === 'expiring')
        ? certificateDecider.decide(
            { type: 'RevokeCertificate', reason: 'superseded', now: session.now },
            afterLink,
          )
        : [];
    session.append(predecessor, [...linked, ...superseded]);
  }
  return {
    id: requestId,
    revision,
    status: 'issued' as const,
    certificateId,
    serialNumber: built.serialNumber,
    certificatePem: built.pem,
    chainPem: `${built.pem}${authority.chainPem}`,
  };
}

export const ISSUANCE_COMMAND_DEFINITIONS = {
  SubmitCertificateRequest: defineCommandHandler('SubmitCertificateRequest', {
    prepare: ({ body, context }, { keyVault }): Prepared => {
      const requestId = body.id ?? derivedId(context.commandId, 'request');
      const certificateId = derivedId(context.commandId, 'certificate');
      const understood = understand(body);
      return {
        requestId,
        certificateId,
        understood,
        material: keyMaker(understood, certificateId, keyVault),
      };
    },
    target: ({ prepared }) => ({ type: 'certificate_request', id: prepared.requestId }),
    // Everything known before the policy is read, in one round trip (the authority comes from the policy).
    reads: ({ body, prepared, context }) => [
      streamIds.certificateRequest(prepared.requestId),
      streamIds.policy(body.policyId),
      streamIds.user(body.ownerUserId ?? context.actorId!),
      streamIds.certificate(prepared.certificateId),
    ],
    // certificates:create in the policy's organization (read through the session: held at commit).
    scope: async ({ body, prepared, session }) => {
      const policy = await loadPolicy(session, body.policyId);
      return {
        type: 'certificate_request',
        id: prepared.requestId,
        organizationId: policy.state.exists ? policy.state.organizationId : null,
      };
    },
    decide: submit,
  }),

  ExportPrivateKey: defineCommandHandler('ExportPrivateKey', {
    target: ({ body }) => ({ type: 'certificate', id: body.certificateId }),
    reads: ({ body }) => [streamIds.certificate(body.certificateId)],
    // The owner exports their own key; anyone else needs keys:export, checked in decide once the owner is read.
    actsOnSelf: () => true,
    decide: async ({ body, session, services, access, context }) => {
      const stream = await session.load(streamIds.certificate(body.certificateId), certificateDecider);
      // Anyone but the owner is asked for keys:export first: what a certificate has is not told to them.
      if (!stream.state.exists || stream.state.userId !== context.actorId)
        await access!.require('keys:export', {
          type: 'certificate',
          id: body.certificateId,
          organizationId: stream.state.exists ? stream.state.organizationId : null,
        });
      const certificate = withPrivateKey(stream.state);
      const { revision } = await session.decideAndAppend(
        streamIds.certificate(body.certificateId),
        certificateDecider,
        { type: 'ExportPrivateKey', exportedBy: context.actorId! },
      );
      const pkcs8 = await services
        .keyVault()
        .open(certificate.privateKey, certificateKeyContext(body.certificateId));
      try {
        const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
          .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: body.passphrase })
          .toString();
        return { id: body.certificateId, revision, privateKeyPem };
      } finally {
        pkcs8.fill(0);
      }
    },
  }),

  DestroyPrivateKey: defineCommandHandler('DestroyPrivateKey', {
    target: ({ body }) => ({ type: 'certificate', id: body.certificateId }),
    reads: ({ body }) => [streamIds.certificate(body.certificateId)],
    decide: async ({ body, session, services }) => {
      const stream = await session.load(streamIds.certificate(body.certificateId), certificateDecider);
      const events = certificateDecider.decide({ type: 'DestroyPrivateKey' }, stream.state);
      if (stream.state.exists && stream.state.privateKey)
        // Destroyed before the fact is recorded, never after: a crash in between leaves a key that is gone
        // and a command that, retried, records it (destroying a data key twice is nothing).
        await services.keyVault().destroyDataKey(stream.state.privateKey.dataKeyId);
      const revision = session.append(stream, events);
      return { id: body.certificateId, revision };
    },
  }),

  SetCertificateMetadata: defineCommandHandler('SetCertificateMetadata', {
    prepare: ({ body }) => {
      if (!body.tags) return undefined;
      const tags: Record<string, string> = {};
      for (const [index, tag] of body.tags.entries()) {
        if (Object.prototype.hasOwnProperty.call(tags, tag.key))
          throw new CommandValidationError([{ field: `tags[${index}].key`, message: 'each tag key once' }]);
        tags[tag.key] = tag.value;
      }
      return tags;
    },
    target: ({ body }) => ({ type: 'certificate', id: body.certificateId }),
    reads: ({ body }) => [streamIds.certificate(body.certificateId)],
    decide: async ({ body, prepared: tags, session }) => {
      const { revision } = await session.decideAndAppend(
        streamIds.certificate(body.certificateId),
        certificateDecider,
        {
          type: 'SetCertificateMetadata',
          tags,
          environment: body.environment,
          application: body.application,
          notes: body.notes,
        },
      );
      return { id: body.certificateId, revision };
    },
  }),
} satisfies DefinitionsOf<
  Omit<typeof ISSUANCE_COMMANDS, 'RotateEncryptionKey' | 'DestroyEncryptionKey' | 'RenewCertificate'>
>;
