import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  assertParentMaySign,
  certificateAuthorityDecider,
  CertificateAuthorityState,
  ParentAuthority,
  refuse,
  streamIds,
} from '@certm3/domain';
import { AUTHORITY_COMMANDS } from '@certm3/contracts';
import { SealedSecret } from '@certm3/key-vault';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { authorityKeyContext } from './authority-signing-keys';
import { CommandValidationError } from '../execution/command-executor';
import { StreamSession } from '../execution/stream-session';
import { OpenedAuthority } from './authority-signing-keys';
import { recordSealingKey } from './keys.definitions';
import {
  buildAuthorityCertificate,
  buildAuthorityRequest,
  exportPrivateKey,
  generateKeyPair,
} from './certificate-builder';
import { publicKeyFingerprint } from './issuance.definitions';

export { authorityKeyContext };

const DAY = 86_400_000;

type ExistingAuthority = Extract<CertificateAuthorityState, { exists: true; pending?: false }>;

function asParent(state: ExistingAuthority): ParentAuthority {
  return {
    caId: state.caId,
    disabled: state.disabled,
    pathLength: state.pathLength,
    notAfter: state.notAfter,
  };
}

export const AUTHORITY_COMMAND_DEFINITIONS = {
  CreateCertificateAuthority: defineCommandHandler('CreateCertificateAuthority', {
    // The key pair and its seal in the vault are made once per delivery (a retry reuses them), and only once
    // the actor is known to hold the permission: asked for by decide, not made by prepare, which runs first.
    // (A command refused after that leaves a data key nothing references; the vault can be swept of those.)
    prepare: ({ body, context }, { keyVault }) => {
      const caId = body.id ?? derivedId(context.commandId, 'authority');
      let making: Promise<{ keys: CryptoKeyPairLike; sealed: SealedSecret }> | undefined;
      const material = () =>
        (making ??= (async () => {
          const keys = await generateKeyPair(body.keyAlgorithm);
          const pkcs8 = await exportPrivateKey(keys.privateKey);
          try {
            return { keys, sealed: await keyVault().seal(pkcs8, authorityKeyContext(caId)) };
          } finally {
            pkcs8.fill(0);
          }
        })());
      return { caId, material };
    },
    target: ({ prepared }) => ({ type: 'certificate_authority', id: prepared.caId }),
    reads: ({ body, prepared }) => [
      streamIds.certificateAuthority(prepared.caId),
      ...(body.parentId ? [streamIds.certificateAuthority(body.parentId)] : []),
    ],
    decide: async ({ body, prepared: { caId, material }, session, services }) => {
      const stream = await session.load(streamIds.certificateAuthority(caId), certificateAuthorityDecider);
      if (stream.state.exists && !stream.state.pending && stream.writtenByThisCommand.length > 0)
        return {
          id: caId,
          revision: Number(stream.events[stream.events.length - 1].revision),
          certificatePem: stream.state.certificatePem,
          chainPem: stream.state.chainPem,
        };
      if (stream.state.exists) refuse('AUTHORITY_ALREADY_EXISTS');
      const now = new Date(session.now);
      const notAfter = new Date(now.getTime() + body.validityDays * DAY).toISOString();
      const pathLength = body.pathLength ?? null;
      let parent: ParentAuthority | null = null;
      let issuer: OpenedAuthority | undefined;
      let parentChain = '';
      if (body.external) {
        if (body.parentId)
          throw new CommandValidationError([
            { field: 'external', message: 'an external authority has no certm3 parent: leave out parentId' },
          ]);
        const made = await material();
        await recordSealingKey(session, made.sealed.keyEncryptionKeyId, session.now);
        return prepareExternal(caId, body, made, session);
      }
      if (body.parentId) {
        const parentStream = await session.load(
          streamIds.certificateAuthority(body.parentId),
          certificateAuthorityDecider,
        );
        if (!parentStream.state.exists)
          refuse('NOT_FOUND', 'no such parent authority', [{ parentId: body.parentId }]);
        if (parentStream.state.pending)
          refuse('AUTHORITY_NOT_ACTIVE', 'the parent authority has no certificate yet', [
            { caId: body.parentId },
          ]);
        parent = asParent(parentStream.state);
        // Checked before the parent's key is opened and used: a refusal signs nothing.
        assertParentMaySign(parent, notAfter, pathLength);
        issuer = await services.signingKeys.open(parentStream.state);
        parentChain = parentStream.state.chainPem;
      }
      const { keys, sealed } = await material();
      await recordSealingKey(session, sealed.keyEncryptionKeyId, session.now);
      const built = await buildAuthorityCertificate({
        subject: body.subject,
        keys,
        validityDays: body.validityDays,
        now,
        pathLength,
        issuer,
      });
      const chainPem = `${built.pem}${parentChain}`;
      const { revision } = await session.decideAndAppend(
        streamIds.certificateAuthority(caId),
        certificateAuthorityDecider,
        {
          type: 'CreateCertificateAuthority',
          caId,
          name: body.name,
          subject: body.subject,
          keyAlgorithm: body.keyAlgorithm,
          organizationId: body.organizationId ?? null,
          parent,
          certificatePem: built.pem,
          chainPem,
          serialNumber: built.serialNumber,
          notBefore: built.notBefore,
          notAfter: built.notAfter,
          fingerprint: built.fingerprint,
          pathLength,
          privateKey: sealed,
        },
      );
      return { id: caId, revision, certificatePem: built.pem, chainPem };
    },
  }),

  ActivateCertificateAuthority: defineCommandHandler('ActivateCertificateAuthority', {
    prepare: ({ body }) => readOfflineCertificate(body.certificatePem, body.chainPem ?? ''),
    target: ({ body }) => ({ type: 'certificate_authority', id: body.id }),
    reads: ({ body }) => [streamIds.certificateAuthority(body.id)],
    decide: async ({ body, prepared, session }) => {
      const stream = await session.load(streamIds.certificateAuthority(body.id), certificateAuthorityDecider);
      if (stream.state.exists && stream.state.pending && prepared.problem)
        refuse('AUTHORITY_CERTIFICATE_MISMATCH', prepared.problem, [{ rule: prepared.rule }]);
      const { revision } = await session.decideAndAppend(
        streamIds.certificateAuthority(body.id),
        certificateAuthorityDecider,
        { type: 'ActivateCertificateAuthority', ...prepared.issued },
      );
      return { id: body.id, revision, certificatePem: prepared.issued.certificatePem };
    },
  }),

  DisableCertificateAuthority: defineCommandHandler('DisableCertificateAuthority', {
    target: ({ body }) => ({ type: 'certificate_authority', id: body.caId }),
    reads: ({ body }) => [streamIds.certificateAuthority(body.caId)],
    decide: async ({ body, session }) => {
      const { revision } = await session.decideAndAppend(
        streamIds.certificateAuthority(body.caId),
        certificateAuthorityDecider,
        { type: 'DisableCertificateAuthority', reason: body.reason },
      );
      return { id: body.caId, revision };
    },
  }),
} satisfies DefinitionsOf<typeof AUTHORITY_COMMANDS>;

type CryptoKeyPairLike = Awaited<ReturnType<typeof generateKeyPair>>;

type CreateBody = CommandInput<'CreateCertificateAuthority'>['body'];

/** An authority an offline parent signs: its key sealed here, its CSR in the reply, no certificate yet. */
async function prepareExternal(
  caId: string,
  body: CreateBody,
  { keys, sealed }: { keys: CryptoKeyPairLike; sealed: SealedSecret },
  session: StreamSession,
) {
  const csrPem = await buildAuthorityRequest({ subject: body.subject, keys });
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const { revision } = await session.decideAndAppend(
    streamIds.certificateAuthority(caId),
    certificateAuthorityDecider,
    {
      type: 'PrepareCertificateAuthority',
      caId,
      name: body.name,
      subject: body.subject,
      keyAlgorithm: body.keyAlgorithm,
      organizationId: body.organizationId ?? null,
      csrPem,
      publicKeyFingerprint: publicKeyFingerprint(spki),
      privateKey: sealed,
    },
  );
  return { id: caId, revision, status: 'pending_certificate', csrPem };
}

/**
 * What an offline parent's certificate says, checked as far as it can be without the authority's stream: a
 * CA certificate, inside its validity, signed by the first certificate of the chain, each of which is
 * signed by the next, up to a self-signed root. The key it certifies is compared in the decider.
 */
async function readOfflineCertificate(certificatePem: string, chainPem: string) {
  let certificate: x509.X509Certificate;
  let chain: x509.X509Certificate[];
  try {
    certificate = new x509.X509Certificate(certificatePem);
    const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0 && chainPem.trim() !== '') throw new Error('no PEM certificate in chainPem');
    chain = blocks.map((block) => new x509.X509Certificate(block));
  } catch {
    throw new CommandValidationError([
      { field: 'certificatePem', message: 'certificatePem and chainPem must be PEM X.509 certificates' },
    ]);
  }
  const spki = Buffer.from(certificate.publicKey.rawData);
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  let problem: string | undefined;
  let rule = '';
  if (!basic?.ca)
    [problem, rule] = ['the certificate is not a CA certificate (basicConstraints CA:true)', 'ca'];
  const links = [certificate, ...chain];
  for (let index = 0; !problem && index < links.length; index += 1) {
    const signer = links[index + 1] ?? (index === links.length - 1 ? links[index] : undefined);
    const verified = signer
      ? await links[index].verify({ publicKey: signer.publicKey, signatureOnly: true })
      : false;
    if (!verified)
      [problem, rule] = [
        `certificate ${index} of the chain is not signed by the next one (or the root by itself)`,
        'chain',
      ];
  }
  const pathLength = basic?.pathLength ?? null;
  return {
    problem,
    rule,
    issued: {
      certifiedPublicKeyFingerprint: publicKeyFingerprint(spki),
      certificatePem: certificate.toString('pem'),
      chainPem: links.map((item) => item.toString('pem')).join('\n') + '\n',
      serialNumber: certificate.serialNumber,
      notBefore: certificate.notBefore.toISOString(),
      notAfter: certificate.notAfter.toISOString(),
      fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
      pathLength,
    },
  };
}
