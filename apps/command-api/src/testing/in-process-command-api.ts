import 'reflect-metadata';
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@certm3/app-runtime';
import { CommandApiModule } from '../command-api.module';
import { CommandApiSettings } from '../command-api.settings';
import { NatsAuditListener } from '../audit/nats-audit-listener';
import { NatsCommandListener } from '../transport/nats-command-listener';
import { keyVaultTestEnv } from '@certm3/test-support/key-vault-env';

/**
 * Test support: the command API inside the test process, configured from environment-style settings as the
 * real process is. scrypt is cheap here (N = 2^10) unless a test says otherwise.
 */
export async function startCommandApiInProcess(
  env: Record<string, string>,
  logLevels: LogLevel[] = ['error'],
  options: { clock?: () => number } = {},
): Promise<INestApplication> {
  const settings = loadConfig(CommandApiSettings, {
    PASSWORD_SCRYPT_LOG2_COST: '10',
    // Its notifications and marks would land among the events a test counts: its own specs turn it on.
    LIFECYCLE_PROCESS_ENABLED: 'false',
    ...keyVaultTestEnv(env),
    ...env,
  });
  const app = await NestFactory.create(CommandApiModule.forSettings(settings, options), {
    logger: logLevels,
  });
  await app.init();
  // Serving, as the real process is once /health says so: subscribed, with the event store answering.
  await Promise.all([app.get(NatsCommandListener).ready, app.get(NatsAuditListener).ready]);
  return app;
}
