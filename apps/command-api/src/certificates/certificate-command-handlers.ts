import { Injectable } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { certificateDecider, CertificateCommand, refuse, streamIds, userDecider } from '@certm3/domain';
import { CommandReply } from '@certm3/contracts';
import {
  DeleteCertificateCommand,
  ExpireCertificateCommand,
  RegisterCertificateCommand,
  RevokeCertificateCommand,
} from '../commands/certm3-commands';
import { CommandExecutor } from '../execution/command-executor';
import { derivedId } from '../execution/derived-id';
import { parseCertificate } from './parse-certificate';

@CommandHandler(RegisterCertificateCommand)
export class RegisterCertificateHandler implements ICommandHandler<RegisterCertificateCommand, CommandReply> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ body, context }: RegisterCertificateCommand): Promise<CommandReply> {
    const certificateId = body.id ?? derivedId(context.commandId, 'certificate');
    return this.executor.execute(
      context,
      async (session) => {
        const { pem, facts } = parseCertificate(body.certificateData);
        await session.preload([streamIds.user(body.userId), streamIds.certificate(certificateId)]);
        const owner = await session.load(streamIds.user(body.userId), userDecider);
        if (!owner.state.exists) refuse('NOT_FOUND', 'no such user');
        const { revision } = await session.decideAndAppend(
          streamIds.certificate(certificateId),
          certificateDecider,
          {
            type: 'RegisterCertificate',
            certificateId,
            owner: { userId: body.userId, active: owner.state.status === 'active' },
            certificateData: pem,
            facts,
            now: session.now,
          },
        );
        return { id: certificateId, revision };
      },
      { requiresActor: true },
    );
  }
}

// Decorated so TypeScript emits its constructor's parameter types, which the subclasses inherit.
@Injectable()
abstract class CertificateStreamHandler<
  C extends RevokeCertificateCommand | ExpireCertificateCommand | DeleteCertificateCommand,
> {
  constructor(private readonly executor: CommandExecutor) {}

  protected abstract toDomain(command: C, now: string): CertificateCommand;

  execute(command: C): Promise<CommandReply> {
    return this.executor.execute(
      command.context,
      async (session) => {
        const { revision } = await session.decideAndAppend(
          streamIds.certificate(command.body.certificateId),
          certificateDecider,
          this.toDomain(command, session.now),
        );
        return { id: command.body.certificateId, revision };
      },
      { requiresActor: true },
    );
  }
}

@CommandHandler(RevokeCertificateCommand)
export class RevokeCertificateHandler extends CertificateStreamHandler<RevokeCertificateCommand> {
  protected toDomain({ body }: RevokeCertificateCommand): CertificateCommand {
    return { type: 'RevokeCertificate', reason: body.reason, comment: body.comment };
  }
}

@CommandHandler(ExpireCertificateCommand)
export class ExpireCertificateHandler extends CertificateStreamHandler<ExpireCertificateCommand> {
  protected toDomain(_command: ExpireCertificateCommand, now: string): CertificateCommand {
    return { type: 'ExpireCertificate', now };
  }
}

@CommandHandler(DeleteCertificateCommand)
export class DeleteCertificateHandler extends CertificateStreamHandler<DeleteCertificateCommand> {
  protected toDomain(): CertificateCommand {
    return { type: 'DeleteCertificate' };
  }
}

export const CERTIFICATE_COMMAND_HANDLERS = [
  RegisterCertificateHandler,
  RevokeCertificateHandler,
  ExpireCertificateHandler,
  DeleteCertificateHandler,
];
