import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandName, CommandReply } from '@certm3/contracts';
import { CommandContext } from './command-context';
import { CommandDefinition } from './command-definition';
import { CommandExecutor } from './command-executor';

export const COMMAND_DEFINITIONS_TOKEN = Symbol('COMMAND_DEFINITIONS');

/** What the transport hands the CommandBus: a validated command and who sent it. */
export class ExecuteCommand {
  constructor(
    readonly name: CommandName,
    readonly body: object,
    readonly context: CommandContext,
  ) {}
}

/** The one bus handler: every command is its definition, run by the one executor. */
@CommandHandler(ExecuteCommand)
export class ExecuteCommandHandler implements ICommandHandler<ExecuteCommand, CommandReply> {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(COMMAND_DEFINITIONS_TOKEN)
    private readonly definitions: { readonly [Name in CommandName]: CommandDefinition },
  ) {}

  execute({ name, body, context }: ExecuteCommand): Promise<CommandReply> {
    return this.executor.execute(this.definitions[name], body, context);
  }
}
