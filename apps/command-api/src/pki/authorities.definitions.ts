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
import { defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import {
  buildAuthorityCertificate,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
} from './certificate-builder';

/** What a CA's sealed key is bound to in the vault: it opens as this authority's key only. */
export const authorityKeyContext = (caId: string) => `certificate-authority/${caId}/private-key`;

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
      let issuer: { certificate: x509.X509Certificate; privateKey: CryptoKeyLike } | undefined;
      let parentChain = '';
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
        const pkcs8 = await services
          .keyVault()
          .open(parentStream.state.privateKey, authorityKeyContext(body.parentId));
        try {
          issuer = {
            certificate: new x509.X509Certificate(parentStream.state.certificatePem),
            privateKey: await importPrivateKey(pkcs8, parentStream.state.keyAlgorithm),
          };
        } finally {
          pkcs8.fill(0);
        }
        parentChain = parentStream.state.chainPem;
      }
      const { keys, sealed } = await material();
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

type CryptoKeyLike = Awaited<ReturnType<typeof importPrivateKey>>;
type CryptoKeyPairLike = Awaited<ReturnType<typeof generateKeyPair>>;
