import {
  CaKeyAlgorithm,
  certificateAuthorityDecider,
  certificateDecider,
  certificateRequestDecider,
  policyDecider,
  SubjectAlternativeName,
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
import { AccessCheck } from '../execution/access-control';
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

/** A name as renewal compares it: its type and value, case-folded where case means nothing. */
const nameKey = (san: SubjectAlternativeName) =>
  `${san.type}:${san.type === 'DNS' || san.type === 'EMAIL' ? san.value.toLowerCase() : san.value}`;

/**
 * Renews a certificate certm3 issued: a request under the predecessor's policy, for its owner, subject and
 * SANs (a CSR must name the same), with its lifetime (capped by the policy and the authority), decided and
 * issued like any request, then both linked.
 */
async function renew(run: {
  readonly body: { certificateId: string };
  readonly prepared: RenewalPrepared;
  readonly session: StreamSession;
  readonly services: CommandServices;
  readonly context: CommandContext;
  readonly access?: AccessCheck;
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
  const policy = await session.load(streamIds.policy(state.policyId), policyDecider);
  if (!policy.state.exists) refuse('NOT_FOUND', 'the certificate’s policy is not in the log', details);
  const rules = policy.state.policyRules;
  // A request waiting for approval would not name its predecessor, and every renewal would queue another:
  // until the approvals issue links them on approval, renewal is for policies that issue at once.
  if (rules.require_approval)
    refuse('CERTIFICATE_NOT_RENEWABLE', 'the policy requires approval: submit a new request instead', [
      { ...details[0], rule: 'require_approval' },
    ]);
  // Revoking what it supersedes is a revocation: whoever renews needs that permission too.
  if (rules.revoke_superseded && run.access)
    await run.access.require('certificates:revoke', {
      type: 'certificate',
      id: state.certificateId,
      organizationId: state.organizationId,
    });
  const request = await session.load(
    streamIds.certificateRequest(state.requestId),
    certificateRequestDecider,
  );
  if (!request.state.exists)
    refuse('CERTIFICATE_NOT_RENEWABLE', 'the request it was issued for is not in the log', details);
  let understood = prepared.csr;
  if (understood && 'csr' in understood) {
    // A renewal is the same certificate again: a CSR naming anything else is a new request.
    const wanted = new Set(request.state.subjectAlternativeNames.map(nameKey));
    const named = new Set(understood.csr.subjectAlternativeNames.map(nameKey));
    const commonName = understood.csr.subject.fields.commonName;
    if (
      (commonName !== undefined && commonName !== request.state.subject.commonName) ||
      wanted.size !== named.size ||
      [...named].some((name) => !wanted.has(name))
    )
      refuse('CERTIFICATE_NOT_RENEWABLE', 'the CSR must name what the certificate names', [
        { ...details[0], rule: 'same_names' },
      ]);
  }
  if (!understood) {
    if (state.keySource !== 'server' || state.privateKey === null)
      refuse('CERTIFICATE_NOT_RENEWABLE', 'the requester keeps this certificate’s key: renew it with a CSR', [
        { ...details[0], rule: 'csr_required' },
      ]);
    understood = {
      source: 'server',
      keyAlgorithm: state.privateKey.algorithm as CaKeyAlgorithm,
      subject: request.state.subject,
      subjectAlternativeNames: request.state.subjectAlternativeNames,
    };
  }
  // The predecessor's lifetime (its notBefore was backdated a minute), within the policy's longest and the
  // authority's own notAfter.
  const now = Date.parse(session.now);
  const authority = await session.load(
    streamIds.certificateAuthority(state.caId),
    certificateAuthorityDecider,
  );
  const authorityEnds =
    authority.state.exists && 'notAfter' in authority.state && typeof authority.state.notAfter === 'string'
      ? Date.parse(authority.state.notAfter)
      : Infinity;
  const lifetime = Math.min(
    Date.parse(state.notAfter) - Date.parse(state.notBefore) - MINUTE,
    rules.max_validity_days * DAY,
  );
  const notAfter = new Date(Math.min(now + Math.max(lifetime, 2 * MINUTE), authorityEnds)).toISOString();
  const submitted = { policyId: state.policyId, ownerUserId: state.userId, notAfter };
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
    // certificates:create where the policy is (read through the session: held at commit), as a request
    // under it needs: a global policy's certificate is renewed with a global grant only.
    scope: async ({ body, session }) => {
      const certificate = await session.load(streamIds.certificate(body.certificateId), certificateDecider);
      return {
        type: 'certificate',
        id: body.certificateId,
        organizationId: certificate.state.exists ? certificate.state.organizationId : null,
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
