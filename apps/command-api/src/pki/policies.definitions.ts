import {
  certificateAuthorityDecider,
  organizationDecider,
  PolicyCommand,
  policyCodeReservation,
  policyDecider,
  PolicyRules,
  refuse,
  streamIds,
  validatePolicyRules,
} from '@certm3/domain';
import { POLICY_COMMANDS } from '@certm3/contracts';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { CommandValidationError } from '../execution/command-executor';
import { derivedId } from '../execution/derived-id';
import { reserveCode } from '../execution/reserve-code';
import { StreamSession } from '../execution/stream-session';

/** The rules as the domain validates them; every problem is the body's fault, named by its rule. */
function rulesOf(input: Record<string, unknown> | undefined): PolicyRules | undefined {
  if (input === undefined) return undefined;
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const result = validatePolicyRules(defined);
  if ('problems' in result)
    throw new CommandValidationError(
      result.problems.map(({ rule, ...problem }) => ({
        field: `policyRules.${rule}`,
        message: String(problem.problem ?? 'not allowed'),
        ...problem,
      })),
    );
  return result.rules;
}

/** The issuer a policy names: a certm3 authority that is not disabled. */
async function assertIssuer(session: StreamSession, caId: string): Promise<void> {
  const authority = await session.load(streamIds.certificateAuthority(caId), certificateAuthorityDecider);
  if (!authority.state.exists) refuse('NOT_FOUND', 'no such certificate authority', [{ issuerId: caId }]);
  if (authority.state.disabled) refuse('AUTHORITY_DISABLED', undefined, [{ caId }]);
}

const policyOf = async (session: StreamSession, policyId: string) =>
  session.load(streamIds.policy(policyId), policyDecider);

/** Status changes of one policy; activating one needs its issuer able to issue. */
function onPolicy<Name extends 'ActivatePolicy' | 'DeactivatePolicy' | 'ArchivePolicy'>(
  name: Name,
  command: PolicyCommand,
) {
  const idOf = (body: unknown) => (body as { policyId: string }).policyId;
  return defineCommandHandler<Name, undefined>(name, {
    reads: ({ body }) => [streamIds.policy(idOf(body))],
    scope: async ({ body, session }) => {
      const policy = await policyOf(session, idOf(body));
      return {
        type: 'policy',
        id: idOf(body),
        organizationId: policy.state.exists ? policy.state.organizationId : null,
      };
    },
    target: ({ body }) => ({ type: 'policy', id: idOf(body) }),
    decide: async ({ body, session }) => {
      const policy = await policyOf(session, idOf(body));
      if (command.type === 'ActivatePolicy' && policy.state.exists) {
        const authority = await session.load(
          streamIds.certificateAuthority(policy.state.issuerId),
          certificateAuthorityDecider,
        );
        if (authority.state.exists && authority.state.pending)
          refuse('AUTHORITY_NOT_ACTIVE', undefined, [{ caId: policy.state.issuerId }]);
        await assertIssuer(session, policy.state.issuerId);
      }
      const revision = session.append(policy, policyDecider.decide(command, policy.state));
      return { id: idOf(body), revision };
    },
  });
}

type CreateBody = CommandInput<'CreatePolicy'>['body'];

export const POLICY_COMMAND_DEFINITIONS = {
  CreatePolicy: defineCommandHandler('CreatePolicy', {
    prepare: ({ body, context }: CommandInput<'CreatePolicy'>) => ({
      policyId: body.id ?? derivedId(context.commandId, 'policy'),
      rules: rulesOf(body.policyRules as Record<string, unknown>)!,
    }),
    target: ({ body, prepared }) => ({
      type: 'policy',
      id: prepared.policyId,
      organizationId: body.organizationId ?? null,
    }),
    reads: ({ body, prepared }) => [
      streamIds.policy(prepared.policyId),
      streamIds.policyCodeReservation(body.policyCode),
      streamIds.certificateAuthority(body.issuerId),
      ...(body.organizationId ? [streamIds.organization(body.organizationId)] : []),
    ],
    decide: async ({ body, prepared: { policyId, rules }, session }) => {
      const policy = await policyOf(session, policyId);
      if (policy.state.exists) refuse('POLICY_ALREADY_EXISTS');
      await assertIssuer(session, body.issuerId);
      await assertOrganization(session, body);
      await reserveCode(
        session,
        policyCodeReservation,
        streamIds.policyCodeReservation(body.policyCode),
        policyId,
        async (holder) => (await policyOf(session, holder)).state.exists,
      );
      const revision = session.append(
        policy,
        policyDecider.decide(
          {
            type: 'CreatePolicy',
            policyId,
            policyCode: body.policyCode,
            name: body.name,
            description: body.description ?? null,
            organizationId: body.organizationId ?? null,
            issuerId: body.issuerId,
            policyRules: rules,
          },
          policy.state,
        ),
      );
      return { id: policyId, revision };
    },
  }),

  UpdatePolicy: defineCommandHandler('UpdatePolicy', {
    prepare: ({ body }) => rulesOf(body.policyRules as Record<string, unknown> | undefined),
    target: ({ body }) => ({ type: 'policy', id: body.policyId }),
    scope: async ({ body, session }) => {
      const policy = await policyOf(session, body.policyId);
      return {
        type: 'policy',
        id: body.policyId,
        organizationId: policy.state.exists ? policy.state.organizationId : null,
      };
    },
    reads: ({ body }) => [
      streamIds.policy(body.policyId),
      ...(body.issuerId ? [streamIds.certificateAuthority(body.issuerId)] : []),
    ],
    decide: async ({ body, prepared: policyRules, session }) => {
      const policy = await policyOf(session, body.policyId);
      if (body.issuerId && policy.state.exists) await assertIssuer(session, body.issuerId);
      const revision = session.append(
        policy,
        policyDecider.decide(
          {
            type: 'UpdatePolicy',
            name: body.name,
            description: body.description,
            issuerId: body.issuerId,
            policyRules,
          },
          policy.state,
        ),
      );
      return { id: body.policyId, revision };
    },
  }),

  ActivatePolicy: onPolicy('ActivatePolicy', { type: 'ActivatePolicy' }),
  DeactivatePolicy: onPolicy('DeactivatePolicy', { type: 'DeactivatePolicy' }),
  ArchivePolicy: onPolicy('ArchivePolicy', { type: 'ArchivePolicy' }),
} satisfies DefinitionsOf<typeof POLICY_COMMANDS>;

async function assertOrganization(session: StreamSession, body: CreateBody): Promise<void> {
  if (!body.organizationId) return;
  const organization = await session.load(streamIds.organization(body.organizationId), organizationDecider);
  if (!organization.state.exists || organization.state.deleted)
    refuse('NOT_FOUND', 'no such organization', [{ organizationId: body.organizationId }]);
  if (organization.state.status !== 'active')
    refuse('ORGANIZATION_INACTIVE', undefined, [{ organizationId: body.organizationId }]);
}
