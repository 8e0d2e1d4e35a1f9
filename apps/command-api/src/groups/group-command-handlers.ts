import { Injectable } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import { groupDecider, GroupCommand, streamIds } from '@certm3/domain';
import { CommandReply } from '@certm3/contracts';
import { CreateGroupCommand, DeleteGroupCommand, UpdateGroupCommand } from '../commands/certm3-commands';
import { CommandExecutor } from '../execution/command-executor';
import { derivedId } from '../execution/derived-id';

/** Group commands touch the group's stream only; its name is the key, so uniqueness needs no reservation. */
// Decorated so TypeScript emits its constructor's parameter types, which the subclasses inherit.
@Injectable()
abstract class GroupStreamHandler<C extends CreateGroupCommand | UpdateGroupCommand | DeleteGroupCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  protected abstract toDomain(command: C): GroupCommand;

  execute(command: C): Promise<CommandReply> {
    return this.executor.execute(
      command.context,
      async (session) => {
        const { revision, state } = await session.decideAndAppend(
          streamIds.group(command.body.name),
          groupDecider,
          this.toDomain(command),
        );
        return { id: state.status === 'absent' ? command.body.name : state.name, revision };
      },
      { requiresActor: true },
    );
  }
}

@CommandHandler(CreateGroupCommand)
export class CreateGroupHandler extends GroupStreamHandler<CreateGroupCommand> {
  protected toDomain({ body, context }: CreateGroupCommand): GroupCommand {
    return {
      type: 'CreateGroup',
      groupId: derivedId(context.commandId, 'group'),
      name: body.name,
      description: body.description ?? null,
    };
  }
}

@CommandHandler(UpdateGroupCommand)
export class UpdateGroupHandler extends GroupStreamHandler<UpdateGroupCommand> {
  protected toDomain({ body }: UpdateGroupCommand): GroupCommand {
    return { type: 'UpdateGroup', name: body.name, description: body.description };
  }
}

@CommandHandler(DeleteGroupCommand)
export class DeleteGroupHandler extends GroupStreamHandler<DeleteGroupCommand> {
  protected toDomain({ body }: DeleteGroupCommand): GroupCommand {
    return { type: 'DeleteGroup', name: body.name };
  }
}

export const GROUP_COMMAND_HANDLERS = [CreateGroupHandler, UpdateGroupHandler, DeleteGroupHandler];
