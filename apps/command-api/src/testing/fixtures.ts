import { randomUUID } from 'node:crypto';
import { CommandReply } from '@certm3/contracts';
import { CommandClient } from '@certm3/test-support/command-client';

/** Test support: what specs over NATS set up again and again, each through its command. */

function okData(reply: CommandReply): Record<string, unknown> & { id: string } {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data as Record<string, unknown> & { id: string };
}

/** A new organization; `code` plus a random suffix is its orgCode. */
export async function createOrganization(client: CommandClient, code: string): Promise<string> {
  return okData(
    await client.reply('CreateOrganization', {
      orgCode: `${code}_${randomUUID().slice(0, 6).toUpperCase()}`,
      name: code,
    }),
  ).id;
}

/** A new active user (by the client's default actor); `prefix` starts their username and email. */
export async function registerUser(client: CommandClient, prefix: string): Promise<string> {
  const suffix = randomUUID().slice(0, 6);
  return okData(
    await client.reply('RegisterUser', {
      username: `${prefix}-${suffix}`,
      email: `${prefix}-${suffix}@example.com`,
      password: 'a long enough password',
    }),
  ).id;
}

/** An active policy under `issuerId`, in `organizationId` (none: global), with `policyRules`. */
export async function activePolicy(
  client: CommandClient,
  options: { issuerId: string; organizationId?: string; policyCode?: string; policyRules?: object },
): Promise<string> {
  const policyId = okData(
    await client.reply('CreatePolicy', {
      policyCode: options.policyCode ?? `policy-${randomUUID().slice(0, 8)}`,
      name: 'Per organization',
      issuerId: options.issuerId,
      ...(options.organizationId ? { organizationId: options.organizationId } : {}),
      policyRules: options.policyRules ?? {},
    }),
  ).id;
  okData(await client.reply('ActivatePolicy', { policyId }));
  return policyId;
}
