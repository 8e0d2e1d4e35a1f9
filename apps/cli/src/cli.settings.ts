import { IsOptional, IsString, IsUUID } from 'class-validator';
import { NatsClientSettings } from '@certm3/app-runtime';

/** What the command-line client reads from the environment; command-line options override it. */
export class CliSettings extends NatsClientSettings {
  /** The actor-id header when --actor is not given. */
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  CERTM3_ACTOR_ID?: string = undefined;

  /** bootstrap's password when --password is not given (it stays out of shell history). */
  @IsOptional()
  @IsString()
  CERTM3_PASSWORD?: string = undefined;
}
