import { IsIn, IsString, Matches } from 'class-validator';
import { DEFAULT_EVENT_STORE_URL } from '@certm3/event-store';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/i;
const EVENT_STORE_URL = /^(postgres(ql)?|esdb(\+discover)?):\/\/[^\s]+$/i;

/**
 * Settings every certm3 process reads. Field names are the environment variable names. Each app adds its
 * own HTTP port setting (COMMAND_API_HTTP_PORT, PROJECTOR_HTTP_PORT, …), so apps started from one
 * environment never ask for the same port.
 */
export class CommonSettings {
  @IsString()
  @Matches(EVENT_STORE_URL, {
    message: 'must be a postgres://, postgresql://, esdb:// or esdb+discover:// URL',
  })
  EVENT_STORE_URL: string = DEFAULT_EVENT_STORE_URL;

  @IsString()
  HTTP_HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelName = 'log';
}

export { POSTGRES_URL };
