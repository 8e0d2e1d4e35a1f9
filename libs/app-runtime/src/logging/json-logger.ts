import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { LOG_LEVELS, LogLevelName } from '../config/common-settings';

/** One JSON object per line on stdout/stderr, so log shippers need no parsing rules. */
export function createJsonLogger(appName: string, level: LogLevelName = 'log'): ConsoleLogger {
  const enabled = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
  return new ConsoleLogger(appName, { json: true, logLevels: [...enabled, 'fatal'] });
}
