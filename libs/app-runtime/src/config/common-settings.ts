import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const PORT_MESSAGE = 'must be a port number (0-65535)';
const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/i;
const EVENT_STORE_URL = /^(postgres(ql)?|esdb(\+discover)?):\/\/[^\s]+$/i;

/** Settings every certm3 process reads. Field names are the environment variable names. */
export class CommonSettings {
  @IsOptional()
  @IsString()
  @Matches(EVENT_STORE_URL, {
    message: 'must be a postgres://, postgresql://, esdb:// or esdb+discover:// URL',
  })
  EVENT_STORE_URL?: string = undefined;

  @IsString()
  HTTP_HOST = '0.0.0.0';

  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: PORT_MESSAGE })
  @Min(0, { message: PORT_MESSAGE })
  @Max(65535, { message: PORT_MESSAGE })
  HTTP_PORT = 0;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelName = 'log';
}

export { POSTGRES_URL };
