import { IsOptional, IsString, Matches } from 'class-validator';
import { CommonSettings } from './common-settings';

/**
 * How a process reaches NATS, as environment variables: the command API and the command-line client read
 * the same ones (a class to extend, so the rules are written once).
 */
export class NatsClientSettings extends CommonSettings {
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
}
