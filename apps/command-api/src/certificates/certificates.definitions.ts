import {
  certificateDecider,
  CertificateCommand,
  certificateFingerprintReservation,
  refuse,
  streamIds,
  userDecider,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';
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
      streamIds.certificateFingerprint(prepared.facts.fingerprintSha256),
    ],
    decide: async ({ body, prepared: { certificateId, pem, facts }, session }) => {
      // One certificate is in the inventory once, race-free: its DER's fingerprint is reserved with the
      // revision read (regression: one PEM registered 372 times for 191 users, and revoking one copy left
      // the others active).
      await reserveFingerprint(session, facts.fingerprintSha256, certificateId);
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

/**
 * Reserves a certificate's fingerprint for `certificateId`; refused, naming the certificate that has it,
 * while that one exists. (A reservation whose certificate never came to be — a process stopped between the
 * two appends on a store without atomic multi-stream appends — is taken over after the grace period.)
 */
export async function reserveFingerprint(
  session: StreamSession,
  fingerprintSha256: string,
  certificateId: string,
): Promise<void> {
  const streamId = streamIds.certificateFingerprint(fingerprintSha256);
  const reservation = await session.load(streamId, certificateFingerprintReservation);
  const holder = reservation.state.holder;
  let holderUsesKey: boolean | undefined;
  if (holder !== null && holder !== certificateId) {
    holderUsesKey = (await session.load(streamIds.certificate(holder), certificateDecider)).state.exists;
    if (holderUsesKey)
      refuse('CERTIFICATE_ALREADY_KNOWN', undefined, [{ certificateId: holder, fingerprintSha256 }]);
  }
  session.append(
    reservation,
    certificateFingerprintReservation.decide(
      { type: 'Reserve', ownerId: certificateId, now: session.now, holderUsesKey },
      reservation.state,
    ),
  );
}
