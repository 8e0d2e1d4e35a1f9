import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CommonSettings } from '@certm3/app-runtime';

export class CommandApiSettings extends CommonSettings {
  override HTTP_PORT = 3000;

  @IsString()
  @Matches(/^(nats|tls|ws|wss):\/\/[^\s]+(,\s*(nats|tls|ws|wss):\/\/[^\s]+)*$/i, {
    message: 'must be one or more nats:// URLs separated by commas',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @IsString()
  NATS_USER?: string = undefined;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string = undefined;

  @IsOptional()
  @IsString()
  NATS_TOKEN?: string = undefined;

  /** Subjects are `<prefix>.cmd.<CommandName>`; change it to run separate certm3 deployments on one NATS. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
    message: 'must be NATS subject tokens separated by dots',
  })
  NATS_SUBJECT_PREFIX = 'certm3';

  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'must be a whole number from 1 to 10000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000' })
  @Max(10_000, { message: 'must be a whole number from 1 to 10000' })
  COMMAND_MAX_IN_FLIGHT = 256;

  /** log2 of scrypt's N. 15 (32 MiB, tens of ms) by default; lower only for tests and benchmarks. */
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'must be a whole number from 10 to 20' })
  @Min(10, { message: 'must be a whole number from 10 to 20' })
  @Max(20, { message: 'must be a whole number from 10 to 20' })
  PASSWORD_SCRYPT_LOG2_COST = 15;
}
