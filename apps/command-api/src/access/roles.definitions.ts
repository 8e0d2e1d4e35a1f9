import {
  ADMIN_ROLE,
  organizationAccepts,
  organizationDecider,
  refuse,
  roleCodeReservation,
  roleDecider,
  RolePermissions,
  streamIds,
  userDecider,
} from '@certm3/domain';
import { ROLE_COMMANDS } from '@certm3/contracts';
import { defineCommandHandler, DefinitionsOf } from '../execution/command-definition';
import { derivedId } from '../execution/derived-id';
import { reserveCode } from '../execution/reserve-code';
import { StreamSession } from '../execution/stream-session';
import { assignRole } from '../identity/new-user';
import { isLastAdministrator, recordAdministrator } from './administrators';

const roleTarget = (roleId: string) => ({ type: 'role', id: roleId }) as const;

/** The role, live: NOT_FOUND otherwise. */
async function liveRole(session: StreamSession, roleId: string) {
  const role = await session.load(streamIds.role(roleId), roleDecider);
  if (!role.state.exists || role.state.deleted) refuse('NOT_FOUND', 'no such role', [{ roleId }]);
  return role.state;
}

export const ROLE_COMMAND_DEFINITIONS = {
  CreateRole: defineCommandHandler('CreateRole', {
    prepare: ({ body, context }) => body.id ?? derivedId(context.commandId, 'role'),
    target: ({ prepared }) => roleTarget(prepared),
    reads: ({ body, prepared }) => [streamIds.roleCodeReservation(body.roleCode), streamIds.role(prepared)],
    decide: async ({ body, prepared: roleId, session, access }) => {
      // No escalation: a role holds only permissions its creator holds everywhere.
      await access!.requireEach(body.permissions as RolePermissions, null);
      await reserveCode(
        session,
        roleCodeReservation as never,
        streamIds.roleCodeReservation(body.roleCode),
        roleId,
        async (holder) => (await session.load(streamIds.role(holder), roleDecider)).state.exists,
      );
      const { revision } = await session.decideAndAppend(streamIds.role(roleId), roleDecider, {
        type: 'CreateRole',
        roleId,
        roleCode: body.roleCode,
        name: body.name,
        description: body.description ?? null,
        permissions: body.permissions as RolePermissions,
      });
      return { id: roleId, revision };
    },
  }),

  UpdateRole: defineCommandHandler('UpdateRole', {
    target: ({ body }) => roleTarget(body.roleId),
    reads: ({ body }) => [streamIds.role(body.roleId)],
    decide: async ({ body, session, access }) => {
      if (body.permissions) await access!.requireEach(body.permissions as RolePermissions, null);
      const { revision } = await session.decideAndAppend(streamIds.role(body.roleId), roleDecider, {
        type: 'UpdateRole',
        name: body.name,
        description: body.description,
        permissions: body.permissions as RolePermissions | undefined,
      });
      return { id: body.roleId, revision };
    },
  }),

  DeleteRole: defineCommandHandler('DeleteRole', {
    target: ({ body }) => roleTarget(body.roleId),
    reads: ({ body }) => [streamIds.role(body.roleId)],
    decide: async ({ body, session }) => {
      const { revision } = await session.decideAndAppend(streamIds.role(body.roleId), roleDecider, {
        type: 'DeleteRole',
      });
      return { id: body.roleId, revision };
    },
  }),

  AssignRole: defineCommandHandler('AssignRole', {
    // A scoped assignment needs roles:assign in that organization (or everywhere); a global one, everywhere.
    target: ({ body }) => ({ type: 'user', id: body.userId, organizationId: body.organizationId ?? null }),
    reads: ({ body }) => [
      streamIds.user(body.userId),
      streamIds.role(body.roleId),
      ...(body.organizationId ? [streamIds.organization(body.organizationId)] : []),
    ],
    decide: async ({ body, session, access }) => {
      const user = await session.load(streamIds.user(body.userId), userDecider);
      if (!user.state.exists) refuse('NOT_FOUND', 'no such user');
      if (user.writtenByThisCommand.length > 0)
        return { id: body.userId, revision: Number(user.events[user.events.length - 1].revision) };
      const role = await liveRole(session, body.roleId);
      const organizationId = body.organizationId ?? null;
      // No escalation: only what the actor holds in that scope can be handed out there.
      await access!.requireEach(role.permissions, organizationId);
      if (organizationId) {
        const organization = await session.load(streamIds.organization(organizationId), organizationDecider);
        organizationAccepts(organization.state);
      }
      const revision = await assignRole(
        session,
        body.userId,
        { roleId: role.roleId, roleCode: role.roleCode },
        organizationId,
      );
      return { id: body.userId, revision };
    },
  }),

  RevokeRole: defineCommandHandler('RevokeRole', {
    target: ({ body }) => ({ type: 'user', id: body.userId, organizationId: body.organizationId ?? null }),
    reads: ({ body }) => [streamIds.user(body.userId)],
    decide: async ({ body, session }) => {
      const organizationId = body.organizationId ?? null;
      const adminEverywhere = body.roleId === ADMIN_ROLE.roleId && organizationId === null;
      const isLast = adminEverywhere ? await isLastAdministrator(session, body.userId) : false;
      const { revision } = await session.decideAndAppend(streamIds.user(body.userId), userDecider, {
        type: 'RevokeRole',
        roleId: body.roleId,
        organizationId,
        isLastAdministrator: isLast,
      });
      if (adminEverywhere) await recordAdministrator(session, body.userId, 'Remove');
      return { id: body.userId, revision };
    },
  }),
} satisfies DefinitionsOf<typeof ROLE_COMMANDS>;
