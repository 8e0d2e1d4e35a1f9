import { createHash, randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR_ID } from '@certm3/domain';
import { CommandDefinition } from './command-definition';
import { CommandExecutor } from './command-executor';

/**
 * Runs one of the command API's own commands (an upgrade at start, the key rotation's records) through the
 * executor as the system actor, under a new command id each time (a fixed one could be taken by any client
 * first): the streams it appends to keep it to one effect, whichever instance runs it and however often.
 * `digested` is what identifies the body in its recorded outcome. Throws on a refusal: these never are.
 */
export async function runInternalCommand(
  executor: CommandExecutor,
  definition: CommandDefinition,
  body: object,
  digested: string = JSON.stringify(body),
): Promise<void> {
  const commandId = randomUUID();
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
    throw new Error(`${definition.contract.name} refused: ${reply.error.code} ${reply.error.message}`);
}
