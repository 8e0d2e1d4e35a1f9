import { createHash, randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR_ID } from '@certm3/domain';
import { CommandDefinition } from './command-definition';
import { CommandExecutor } from './command-executor';
import { CommandReply } from '@certm3/contracts';

/**
 * Runs one of the command API's own commands (an upgrade at start, the key rotation's records, the lifecycle
 * process's marks) through the executor as the system actor, under a new command id each time unless the
 * caller derives one (a replay then answers as the first time): either way the streams it appends to keep
 * it to one effect, whichever instance runs it and however often.
 * `digested` is what identifies the body in its recorded outcome. Throws on a refusal: these never are.
 */
export async function runInternalCommand(
  executor: CommandExecutor,
  definition: CommandDefinition,
  body: object,
  digested: string = JSON.stringify(body),
  options: { readonly commandId?: string } = {},
): Promise<CommandReply> {
  const commandId = options.commandId ?? randomUUID();
  const bodyDigest = `v2:${createHash('sha256').update(digested).digest('hex')}`;
  const reply = await executor.execute(definition, body, {
    commandName: definition.contract.name,
    commandId,
    correlationId: commandId,
    actorId: SYSTEM_ACTOR_ID,
    bodyDigest,
    matchesRecorded: (recorded) => recorded.bodyDigest === bodyDigest,
  });
  if (!reply.ok)
    throw new InternalCommandRefused(definition.contract.name, reply.error.code, reply.error.message);
  return reply;
}

export class InternalCommandRefused extends Error {
  constructor(
    readonly commandName: string,
    readonly code: string,
    message: string,
  ) {
    super(`${commandName} refused: ${code} ${message}`);
    this.name = 'InternalCommandRefused';
  }
}
