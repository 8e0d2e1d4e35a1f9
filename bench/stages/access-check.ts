/**
 * What a permission check costs the command API per command, measured in this process: the check a
 * command by a remembered actor makes (their assignments and the granting role from memory, no read), next
 * to the API's whole CPU per command of the command-path stage in the same run. There is no switch that
 * turns checks off in the service (a bench-only bypass of authorization is not worth shipping), so the cost
 * is measured directly.
 */
import { ADMIN_ROLE, systemRoleByCode } from '@certm3/domain';
import { AccessCheck } from '../../apps/command-api/src/execution/access-control';
import { round } from '../measure';

export async function accessCheckCost(apiCpuMsPerCommand: number) {
  const assignments = [
    {
      assignmentId: 'a',
      roleId: systemRoleByCode('AUDITOR')!.roleId,
      roleCode: 'AUDITOR',
      organizationId: 'org',
    },
    { assignmentId: 'b', roleId: ADMIN_ROLE.roleId, roleCode: 'ADMIN', organizationId: null },
  ];
  const roles = new Map(
    assignments.map((assignment) => {
      const role = systemRoleByCode(assignment.roleCode)!;
      return [
        assignment.roleId,
        {
          revision: 3n,
          grants: { roleId: assignment.roleId, permissions: role.permissions, deleted: false },
        },
      ] as const;
    }),
  );
  const actor = {
    actorId: 'actor',
    condition: { streamId: 'user-actor', expectedRevision: 7n },
    assignments,
  };
  const run = async (checks: number) => {
    for (let index = 0; index < checks; index++) {
      const check = new AccessCheck(actor, roles, undefined);
      await check.require('certificates:revoke', undefined);
      check.commitConditions();
    }
  };
  await run(20_000); // warm-up
  const checks = 200_000;
  const started = process.cpuUsage();
  await run(checks);
  const used = process.cpuUsage(started);
  const microsecondsPerCheck = (used.user + used.system) / checks;
  return {
    microsecondsPerCheck: round(microsecondsPerCheck, 2),
    shareOfApiCpuPerCommand: round(microsecondsPerCheck / 1000 / apiCpuMsPerCommand, 4),
  };
}

export type AccessCheckCost = Awaited<ReturnType<typeof accessCheckCost>>;
