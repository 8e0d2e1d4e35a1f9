import { certificateDecider, CertificateCommand, refuse, streamIds, userDecider } from '@certm3/domain';
import { CERTIFICATE_COMMANDS } from '@certm3/contracts';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { parseCertificate } from './parse-certificate';

/** Commands on one certificate's stream. */
function onCertificateStream<Name extends 'RevokeCertificate' | 'ExpireCertificate' | 'DeleteCertificate'>(
  name: Name,
  toDomain: (body: CommandInput<Name>['body'], now: string) => CertificateCommand,
) {
  const certificateIdOf = (body: unknown) => (body as { certificateId: string }).certificateId;
  return defineCommandHandler<Name, never>(name, {
    target: ({ body }) => ({ type: 'certificate', id: certificateIdOf(body) }),
    reads: ({ body }) => [streamIds.certificate(certificateIdOf(body))],
    decide: async ({ body, session }) => {
      const certificateId = certificateIdOf(body);
      const { revision } = await session.decideAndAppend(
        streamIds.certificate(certificateId),
        certificateDecider,
        toDomain(body, session.now),
      );
      return { id: certificateId, revision };
    },
  });
}

export const CERTIFICATE_COMMAND_DEFINITIONS = {
  RegisterCertificate: defineCommandHandler('RegisterCertificate', {
    prepare: ({ body, context }) => ({
      certificateId: body.id ?? derivedId(context.commandId, 'certificate'),
      ...parseCertificate(body.certificateData),
    }),
    target: ({ body, prepared }) => ({
      type: 'certificate',
      id: prepared.certificateId,
      ownerUserId: body.userId,
    }),
    reads: ({ body, prepared }) => [
      streamIds.user(body.userId),
      streamIds.certificate(prepared.certificateId),
    ],
    decide: async ({ body, prepared: { certificateId, pem, facts }, session }) => {
      // The owner's stream is held at commit: a deactivation meanwhile makes this decide again, and refuse.
      const owner = await session.load(streamIds.user(body.userId), userDecider);
      if (!owner.state.exists) refuse('NOT_FOUND', 'no such user');
      const { revision } = await session.decideAndAppend(
        streamIds.certificate(certificateId),
        certificateDecider,
        {
          type: 'RegisterCertificate',
          certificateId,
          owner: { userId: body.userId, active: owner.state.status === 'active' },
          certificateData: pem,
          facts,
          now: session.now,
        },
      );
      return { id: certificateId, revision };
    },
  }),
  RevokeCertificate: onCertificateStream('RevokeCertificate', (body) => ({
    type: 'RevokeCertificate',
    reason: body.reason,
    comment: body.comment,
  })),
  ExpireCertificate: onCertificateStream('ExpireCertificate', (_body, now) => ({
    type: 'ExpireCertificate',
    now,
  })),
  DeleteCertificate: onCertificateStream('DeleteCertificate', () => ({ type: 'DeleteCertificate' })),
} satisfies DefinitionsOf<typeof CERTIFICATE_COMMANDS>;
