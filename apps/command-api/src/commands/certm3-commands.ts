import { CommandName } from '@certm3/contracts';
import { CommandContext } from '../execution/command-context';
import * as dto from './command-dtos';

/** What the transport hands the CommandBus: the validated body and who sent it. */
export abstract class Certm3Command<Body> {
  constructor(
    readonly body: Body,
    readonly context: CommandContext,
  ) {}
}

export class BootstrapAdministratorCommand extends Certm3Command<dto.BootstrapAdministratorDto> {}
export class RegisterUserCommand extends Certm3Command<dto.RegisterUserDto> {}
export class ChangeUserEmailCommand extends Certm3Command<dto.ChangeUserEmailDto> {}
export class UpdateUserProfileCommand extends Certm3Command<dto.UpdateUserProfileDto> {}
export class ChangePasswordCommand extends Certm3Command<dto.ChangePasswordDto> {}
export class DeactivateUserCommand extends Certm3Command<dto.DeactivateUserDto> {}
export class ReactivateUserCommand extends Certm3Command<dto.ReactivateUserDto> {}
export class DeleteUserCommand extends Certm3Command<dto.DeleteUserDto> {}
export class CreateGroupCommand extends Certm3Command<dto.CreateGroupDto> {}
export class UpdateGroupCommand extends Certm3Command<dto.UpdateGroupDto> {}
export class DeleteGroupCommand extends Certm3Command<dto.DeleteGroupDto> {}
export class AddUserToGroupCommand extends Certm3Command<dto.AddUserToGroupDto> {}
export class RemoveUserFromGroupCommand extends Certm3Command<dto.RemoveUserFromGroupDto> {}
export class RegisterCertificateCommand extends Certm3Command<dto.RegisterCertificateDto> {}
export class RevokeCertificateCommand extends Certm3Command<dto.RevokeCertificateDto> {}
export class ExpireCertificateCommand extends Certm3Command<dto.ExpireCertificateDto> {}
export class DeleteCertificateCommand extends Certm3Command<dto.DeleteCertificateDto> {}

type CommandClass = new (body: never, context: CommandContext) => Certm3Command<unknown>;

/** Subject name → body schema and bus command. Every name in COMMAND_NAMES has an entry (the type says so). */
export const COMMAND_REGISTRY: Record<CommandName, { body: new () => object; command: CommandClass }> = {
  BootstrapAdministrator: { body: dto.BootstrapAdministratorDto, command: BootstrapAdministratorCommand },
  RegisterUser: { body: dto.RegisterUserDto, command: RegisterUserCommand },
  ChangeUserEmail: { body: dto.ChangeUserEmailDto, command: ChangeUserEmailCommand },
  UpdateUserProfile: { body: dto.UpdateUserProfileDto, command: UpdateUserProfileCommand },
  ChangePassword: { body: dto.ChangePasswordDto, command: ChangePasswordCommand },
  DeactivateUser: { body: dto.DeactivateUserDto, command: DeactivateUserCommand },
  ReactivateUser: { body: dto.ReactivateUserDto, command: ReactivateUserCommand },
  DeleteUser: { body: dto.DeleteUserDto, command: DeleteUserCommand },
  CreateGroup: { body: dto.CreateGroupDto, command: CreateGroupCommand },
  UpdateGroup: { body: dto.UpdateGroupDto, command: UpdateGroupCommand },
  DeleteGroup: { body: dto.DeleteGroupDto, command: DeleteGroupCommand },
  AddUserToGroup: { body: dto.AddUserToGroupDto, command: AddUserToGroupCommand },
  RemoveUserFromGroup: { body: dto.RemoveUserFromGroupDto, command: RemoveUserFromGroupCommand },
  RegisterCertificate: { body: dto.RegisterCertificateDto, command: RegisterCertificateCommand },
  RevokeCertificate: { body: dto.RevokeCertificateDto, command: RevokeCertificateCommand },
  ExpireCertificate: { body: dto.ExpireCertificateDto, command: ExpireCertificateCommand },
  DeleteCertificate: { body: dto.DeleteCertificateDto, command: DeleteCertificateCommand },
};
