import {
  CaKeyAlgorithm,
  certificateDecider,
  certificateRequestDecider,
  refuse,
  streamIds,
  SYSTEM_ACTOR_ID,
} from '@certm3/domain';
import { defineCommand, field, ISSUANCE_COMMANDS } from '@certm3/contracts';
import {
  CommandDefinition,
  CommandRun,
  CommandServices,
  defineCommandHandler,
  DefinitionsOf,
} from '../execution/command-definition';
import { CommandContext } from '../execution/command-context';
import { derivedId } from '../execution/derived-id';
import { StreamSession } from '../execution/stream-session';
import { keyMaker, submit, understand, Understood } from './issuance.definitions';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface RenewalPrepared {
  readonly requestId: string;
  readonly certificateId: string;
  /** The CSR, when one was sent: understood once per delivery, like a request's. */
  readonly csr: Understood | undefined;
}

function prepareRenewal(body: { csr?: string }, context: CommandContext): RenewalPrepared {
  return {
    requestId: derivedId(context.commandId, 'request'),
    certificateId: derivedId(context.commandId, 'certificate'),
    csr: body.csr === undefined ? undefined : understand({ policyId: '', csr: body.csr } as never),
  };
}

/**
 * Renews a certificate certm3 issued: a request under the predecessor's policy, for its owner, subject and
 * SANs, with its lifetime (capped by the policy), decided and issued like any request, then both linked.
 */
async function renew(run: {
  readonly body: { certificateId: string };
  readonly prepared: RenewalPrepared;
  readonly session: StreamSession;
  readonly services: CommandServices;
  readonly context: CommandContext;
}) {
  const { body, prepared, session, services } = run;
  const predecessor = await session.load(streamIds.certificate(body.certificateId), certificateDecider);
  const state = predecessor.state;
  if (!state.exists) refuse('NOT_FOUND', 'no such certificate');
  const details = [{ certificateId: state.certificateId, status: state.status }];
  if (state.caId === null || state.policyId === null || state.requestId === null)
    refuse(
      'CERTIFICATE_NOT_RENEWABLE',
      'an imported certificate is renewed by the CA that issued it',
      details,
    );
  if (state.successorId !== null)
    refuse('CERTIFICATE_ALREADY_RENEWED', undefined, [
      { certificateId: state.certificateId, successorId: state.successorId },
    ]);
  if (state.status === 'revoked' || state.status === 'suspended')
    refuse('CERTIFICATE_NOT_RENEWABLE', `a ${state.status} certificate is not renewed`, details);
  let understood = prepared.csr;
  if (!understood) {
    if (state.keySource !== 'server' || state.privateKey === null)
      refuse('CERTIFICATE_NOT_RENEWABLE', 'the requester keeps this certificate’s key: renew it with a CSR', [
        { ...details[0], rule: 'csr_required' },
      ]);
    const request = await session.load(
      streamIds.certificateRequest(state.requestId),
      certificateRequestDecider,
    );
    if (!request.state.exists)
      refuse('CERTIFICATE_NOT_RENEWABLE', 'the request it was issued for is not in the log', details);
    understood = {
      source: 'server',
      keyAlgorithm: state.privateKey.algorithm as CaKeyAlgorithm,
      subject: request.state.subject,
      subjectAlternativeNames: request.state.subjectAlternativeNames,
    };
  }
  // The same lifetime as the predecessor's (its notBefore was backdated a minute), if the policy allows it;
  // else the policy's longest.
  const lifetime = Date.parse(state.notAfter) - Date.parse(state.notBefore) - MINUTE;
  const notAfter = new Date(Date.parse(session.now) + Math.max(lifetime, 2 * MINUTE)).toISOString();
  const submitted = {
    policyId: state.policyId,
    ownerUserId: state.userId,
    ...(lifetime > 3650 * DAY ? {} : { notAfter }),
  };
  const result = await submit(
    {
      ...run,
      body: submitted as never,
      prepared: {
        requestId: prepared.requestId,
        certificateId: prepared.certificateId,
        understood,
        material: keyMaker(understood, prepared.certificateId, services.keyVault),
      },
    },
    { predecessorId: state.certificateId, predecessor },
  );
  return { ...result, renewalOf: state.certificateId };
}

const renewalReads = ({ body, prepared }: { body: { certificateId: string }; prepared: RenewalPrepared }) => [
  streamIds.certificate(body.certificateId),
  streamIds.certificateRequest(prepared.requestId),
  streamIds.certificate(prepared.certificateId),
];

export const RENEWAL_COMMAND_DEFINITIONS = {
  RenewCertificate: defineCommandHandler('RenewCertificate', {
    prepare: ({ body, context }) => prepareRenewal(body, context),
    target: ({ body }) => ({ type: 'certificate', id: body.certificateId }),
    reads: renewalReads,
    // certificates:create in the certificate's organization (read through the session: held at commit).
    scope: async ({ body, session }) => {
      const certificate = await session.load(streamIds.certificate(body.certificateId), certificateDecider);
      return {
        type: 'certificate',
        id: body.certificateId,
        // Issued under an organization's policy: that organization; else its owner's (see AccessCheck).
        ...(certificate.state.exists && certificate.state.organizationId !== null
          ? { organizationId: certificate.state.organizationId }
          : {}),
      };
    },
    decide: (run: CommandRun<'RenewCertificate', RenewalPrepared>) => renew(run),
  }),
} satisfies DefinitionsOf<Pick<typeof ISSUANCE_COMMANDS, 'RenewCertificate'>>;

/**
 * Not a command of the bus: the lifecycle process renews a server-side key under an auto_renewal policy once
 * it is expiring, as the system actor, under a command id derived from the certificate (one renewal each).
 */
export const AUTO_RENEW_CERTIFICATE = defineCommand({
  name: 'AutoRenewCertificate',
  summary: 'Renews an expiring certificate whose policy has auto_renewal, as the system actor.',
  actor: 'none',
  permission: {
    unauthenticated:
      'run by the command API’s lifecycle process itself, as the system actor; never over NATS',
  },
  body: { certificateId: field.uuid() },
  refusals: [],
});

export const autoRenewCertificateDefinition = {
  contract: AUTO_RENEW_CERTIFICATE,
  actingUser: () => SYSTEM_ACTOR_ID,
  prepare: ({ context }: { context: CommandContext }) => prepareRenewal({}, context),
  reads: renewalReads,
  decide: renew,
} as unknown as CommandDefinition;
