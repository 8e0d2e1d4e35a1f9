import { IsOptional, IsString, Matches } from 'class-validator';
import { CommonSettings, PortSetting, WholeNumberSetting } from '@certm3/app-runtime';

export class CommandApiSettings extends CommonSettings {
  /** Health and metrics. */
  @PortSetting()
  COMMAND_API_HTTP_PORT = 3000;

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

  @WholeNumberSetting(1, 10_000)
  COMMAND_MAX_IN_FLIGHT = 256;

  /** log2 of scrypt's N. 15 (32 MiB, tens of ms) by default; lower only for tests and benchmarks. */
  @WholeNumberSetting(10, 20)
  PASSWORD_SCRYPT_LOG2_COST = 15;
}
