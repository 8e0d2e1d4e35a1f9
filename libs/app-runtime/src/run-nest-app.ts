import { describeError } from '@certm3/common';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommonSettings } from './config/common-settings';
import { ConfigurationError, loadConfig } from './config/load-config';
import { createJsonLogger } from './logging/json-logger';

/**
 * The start-up every certm3 process shares: validated configuration (a bad one exits 2 naming the
 * variables), JSON logs, an HTTP server for health and metrics, and a clean stop on SIGTERM/SIGINT.
 */
export async function runNestApp<Settings extends CommonSettings>(options: {
  appName: string;
  settings: new () => Settings;
  /** The app's own port setting (each app has one, so one environment can start them all). */
  httpPort: (settings: Settings) => number;
  module: (settings: Settings) => unknown;
  env?: NodeJS.ProcessEnv;
}): Promise<INestApplication> {
  const bootLogger = createJsonLogger(options.appName);
  let settings: Settings;
  try {
    settings = loadConfig(options.settings, options.env ?? process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      bootLogger.fatal({ message: error.message, problems: error.problems });
      process.exit(2);
    }
    throw error;
  }
  const logger = createJsonLogger(options.appName, settings.LOG_LEVEL);
  let module: unknown;
  try {
    // A module may refuse its settings too (a master key that is not one): the same exit as a bad variable.
    module = options.module(settings);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      bootLogger.fatal({ message: error.message, problems: error.problems });
      process.exit(2);
    }
    throw error;
  }
  let app: INestApplication;
  try {
    app = await NestFactory.create(module as never, { logger, abortOnError: false });
  } catch (error) {
    logger.fatal({
      message: 'start-up failed',
      error: describeError(error),
    });
    process.exit(1);
  }
  const appLogger = new Logger(options.appName);
  stopOnSignals(app, appLogger);
  await app.listen(options.httpPort(settings), settings.HTTP_HOST);
  const address = app.getHttpServer().address();
  appLogger.log({
    message: `${options.appName} started`,
    httpPort: typeof address === 'object' && address ? address.port : options.httpPort(settings),
  });
  return app;
}

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * On SIGTERM/SIGINT: stop taking work, run every module's shutdown hook (drain NATS, close pools), exit 0.
 * A stop that hangs past the grace period exits 1 so the orchestrator is not left waiting.
 */
function stopOnSignals(app: INestApplication, logger: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ message: 'stopping', signal });
    const deadline = setTimeout(() => {
      logger.error({ message: 'shutdown did not finish in time', graceMs: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    try {
      await app.close();
      logger.log('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({
        message: 'shutdown failed',
        error: describeError(error),
      });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
