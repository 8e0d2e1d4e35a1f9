import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { REVOCATION_REASONS, RevocationReason } from '@certm3/domain';

/**
 * The JSON bodies of the commands, as class-validator schemas. Unknown fields are rejected; types are not
 * coerced ("1" is not a number). The field rules are the read model's limits (VARCHAR(255), TEXT).
 */

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
const MIN_PASSWORD_LENGTH = 12;

class WithOptionalId {
  @IsOptional()
  @IsUUID('all', { message: 'id must be a UUID' })
  id?: string;
}

class UserFields extends WithOptionalId {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' })
  username!: string;

  @IsString()
  @MaxLength(255)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;

  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(1024)
  password!: string;
}

export class BootstrapAdministratorDto extends UserFields {}
export class RegisterUserDto extends UserFields {}

class TargetsUser {
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId!: string;
}

export class ChangeUserEmailDto extends TargetsUser {
  @IsString()
  @MaxLength(255)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class UpdateUserProfileDto extends TargetsUser {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' })
  username!: string;
}

export class ChangePasswordDto extends TargetsUser {
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(1024)
  password!: string;
}

export class DeactivateUserDto extends TargetsUser {
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  reason?: string;
}

export class ReactivateUserDto extends TargetsUser {}
export class DeleteUserDto extends TargetsUser {}

class NamesGroup {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(/^\S(.*\S)?$/u, { message: 'name must not start or end with white space' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;
}

export class CreateGroupDto extends NamesGroup {
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;
}

export class UpdateGroupDto extends NamesGroup {
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(10_000)
  description!: string | null;
}

export class DeleteGroupDto extends NamesGroup {}

class Membership extends TargetsUser {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  groupName!: string;
}

export class AddUserToGroupDto extends Membership {}
export class RemoveUserFromGroupDto extends Membership {}

export class RegisterCertificateDto extends WithOptionalId {
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId!: string;

  @IsString()
  @MaxLength(32_768)
  certificateData!: string;
}

class TargetsCertificate {
  @IsUUID('all', { message: 'certificateId must be a UUID' })
  certificateId!: string;
}

export class RevokeCertificateDto extends TargetsCertificate {
  @IsIn(REVOCATION_REASONS, { message: `reason must be one of ${REVOCATION_REASONS.join(', ')} (RFC 5280)` })
  reason!: RevocationReason;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  comment?: string;
}

export class ExpireCertificateDto extends TargetsCertificate {}
export class DeleteCertificateDto extends TargetsCertificate {}
