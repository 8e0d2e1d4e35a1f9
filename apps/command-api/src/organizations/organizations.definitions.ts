import {
  organizationAccepts,
  organizationCodeReservation,
  organizationDecider,
  OrganizationCommand,
  refuse,
  streamIds,
  userDecider,
} from '@certm3/domain';
import { ORGANIZATION_COMMANDS } from '@certm3/contracts';
import { CommandInput, defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { reserveCode } from '../execution/reserve-code';

const organizationTarget = (organizationId: string) =>
  ({ type: 'organization', id: organizationId }) as const;

/** A command on one organization's stream. */
function onOrganizationStream<
  Name extends
    'UpdateOrganization' | 'DeactivateOrganization' | 'ReactivateOrganization' | 'DeleteOrganization',
>(name: Name, toDomain: (body: CommandInput<Name>['body']) => OrganizationCommand) {
  const idOf = (body: unknown) => (body as { organizationId: string }).organizationId;
  return defineCommandHandler<Name, never>(name, {
    target: ({ body }) => organizationTarget(idOf(body)),
    reads: ({ body }) => [streamIds.organization(idOf(body))],
    decide: async ({ body, session }) => {
      const organizationId = idOf(body);
      const { revision } = await session.decideAndAppend(
        streamIds.organization(organizationId),
        organizationDecider,
        toDomain(body),
      );
      return { id: organizationId, revision };
    },
  });
}

/** Membership commands: the user's stream changes; the organization is read (and held at commit). */
function membership<Name extends 'AddUserToOrganization' | 'RemoveUserFromOrganization'>(name: Name) {
  const of = (body: unknown) => body as { userId: string; organizationId: string };
  return defineCommandHandler<Name, never>(name, {
    target: ({ body }) => organizationTarget(of(body).organizationId),
    reads: ({ body }) => [streamIds.user(of(body).userId), streamIds.organization(of(body).organizationId)],
    decide: async ({ body: declared, session, access }) => {
      const body = of(declared);
      // Membership gives the organization's administrators a hold on the member's account: the actor must
      // reach the user as well (globally, or through every organization the user already belongs to).
      if (name === 'AddUserToOrganization')
        await access!.require('organizations:manage_members', { type: 'user', id: body.userId });
      const user = await session.load(streamIds.user(body.userId), userDecider);
      if (!user.state.exists) refuse('NOT_FOUND', 'no such user');
      const organization = await session.load(
        streamIds.organization(body.organizationId),
        organizationDecider,
      );
      if (name === 'AddUserToOrganization') organizationAccepts(organization.state);
      else if (!organization.state.exists) refuse('NOT_FOUND', 'no such organization');
      const { revision } = await session.decideAndAppend(streamIds.user(body.userId), userDecider, {
        type: name,
        organizationId: body.organizationId,
      });
      return { id: body.userId, revision };
    },
  });
}

export const ORGANIZATION_COMMAND_DEFINITIONS = {
  CreateOrganization: defineCommandHandler('CreateOrganization', {
    prepare: ({ body, context }) => body.id ?? derivedId(context.commandId, 'organization'),
    target: ({ prepared }) => ({ ...organizationTarget(prepared), organizationId: null }),
    reads: ({ body, prepared }) => [
      streamIds.organizationCodeReservation(body.orgCode),
      streamIds.organization(prepared),
    ],
    decide: async ({ body, prepared: organizationId, session }) => {
      await reserveCode(
        session,
        organizationCodeReservation as never,
        streamIds.organizationCodeReservation(body.orgCode),
        organizationId,
        async (holder) =>
          (await session.load(streamIds.organization(holder), organizationDecider)).state.exists,
      );
      const { revision } = await session.decideAndAppend(
        streamIds.organization(organizationId),
        organizationDecider,
        {
          type: 'CreateOrganization',
          organizationId,
          orgCode: body.orgCode,
          name: body.name,
          description: body.description ?? null,
        },
      );
      return { id: organizationId, revision };
    },
  }),
  UpdateOrganization: onOrganizationStream('UpdateOrganization', (body) => ({
    type: 'UpdateOrganization',
    name: body.name,
    description: body.description,
  })),
  DeactivateOrganization: onOrganizationStream('DeactivateOrganization', (body) => ({
    type: 'DeactivateOrganization',
    reason: body.reason,
  })),
  ReactivateOrganization: onOrganizationStream('ReactivateOrganization', () => ({
    type: 'ReactivateOrganization',
  })),
  DeleteOrganization: onOrganizationStream('DeleteOrganization', () => ({ type: 'DeleteOrganization' })),
  AddUserToOrganization: membership('AddUserToOrganization'),
  RemoveUserFromOrganization: membership('RemoveUserFromOrganization'),
} satisfies DefinitionsOf<typeof ORGANIZATION_COMMANDS>;
