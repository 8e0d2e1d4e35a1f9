import { createHash, X509Certificate } from 'node:crypto';
import {
  certificateDecider,
  CertificateCommand,
  certificateFingerprintReservation,
  CertificateState,
  compromisedKeyDecider,
  refuse,
  streamIds,
  userDecider,
} from '@certm3/domain';
import { StreamSession } from '../execution/stream-session';
import { CERTIFICATE_COMMANDS } from '@certm3/contracts';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { parseCertificate } from './parse-certificate';

type OnCertificateStream =
  'RevokeCertificate' | 'ReleaseCertificateHold' | 'ExpireCertificate' | 'DeleteCertificate';

/**
 * Commands on one certificate's stream. The permission applies in the certificate's organization (a scoped
 * grant there will do), read through the session: a certificate's organization never changes, yet it is held
 * at commit like any read.
 */
function onCertificateStream<Name extends OnCertificateStream>(
  name: Name,
  toDomain: (body: CommandInput<Name>['body'], now: string) => CertificateCommand,
  afterwards?: (
    session: StreamSession,
    certificate: CertificateState,
    command: CertificateCommand,
  ) => Promise<void>,
) {
  const certificateIdOf = (body: unknown) => (body as { certificateId: string }).certificateId;
  return defineCommandHandler<Name, never>(name, {
    target: ({ body }) => ({ type: 'certificate', id: certificateIdOf(body) }),
    reads: ({ body }) => [streamIds.certificate(certificateIdOf(body))],
    scope: async ({ body, session }) => {
      const certificate = await session.load(
        streamIds.certificate(certificateIdOf(body)),
        certificateDecider,
      );
      return {
        type: 'certificate',
        id: certificateIdOf(body),
        // Issued under an organization's policy: that organization; else its owner's (see AccessCheck).
        ...(certificate.state.exists && certificate.state.organizationId !== null
          ? { organizationId: certificate.state.organizationId }
          : {}),
      };
    },
    decide: async ({ body, session }) => {
      const certificateId = certificateIdOf(body);
      const command = toDomain(body, session.now);
      const stream = await session.load(streamIds.certificate(certificateId), certificateDecider);
      const revision = session.append(stream, certificateDecider.decide(command, stream.state));
      await afterwards?.(session, stream.state, command);
      return { id: certificateId, revision };
    },
  });
}

/**
 * SHA-256 of the certificate's SubjectPublicKeyInfo as node:crypto writes it (canonical DER): read off its
 * PEM, not taken from its event, so a key spelled two ways is one key (see publicKeyFingerprint).
 */
function publicKeyFingerprintOf(certificate: Extract<CertificateState, { exists: true }>): string {
  const spki = new X509Certificate(certificate.certificatePem).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  return createHash('sha256').update(spki).digest('hex');
}
/** A key revoked for keyCompromise is blocked: no request with it is ever issued again (KEY_COMPROMISED). */
async function blockCompromisedKey(
  session: StreamSession,
  certificate: CertificateState,
  command: CertificateCommand,
): Promise<void> {
  if (command.type !== 'RevokeCertificate' || command.reason !== 'keyCompromise' || !certificate.exists)
    return;
  const publicKeyFingerprint = publicKeyFingerprintOf(certificate);
  const stream = await session.load(streamIds.compromisedKey(publicKeyFingerprint), compromisedKeyDecider);
  session.append(
    stream,
    compromisedKeyDecider.decide(
      {
        type: 'BlockPublicKey',
        publicKeyFingerprint,
        certificateId: certificate.certificateId,
        now: session.now,
      },
      stream.state,
    ),
  );
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
  RevokeCertificate: onCertificateStream(
    'RevokeCertificate',
    (body, now) => ({
      type: 'RevokeCertificate',
      reason: body.reason,
      comment: body.comment,
      invalidityDate: body.invalidityDate,
      now,
    }),
    blockCompromisedKey,
  ),
  ReleaseCertificateHold: onCertificateStream('ReleaseCertificateHold', (_body, now) => ({
    type: 'ReleaseCertificateHold',
    now,
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
