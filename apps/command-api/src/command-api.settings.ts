import { IsOptional, IsString, Matches } from 'class-validator';
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
}
