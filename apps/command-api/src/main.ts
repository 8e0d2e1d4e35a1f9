import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { CommandApiModule } from './command-api.module';
import { CommandApiSettings } from './command-api.settings';

void runNestApp({
  appName: 'command-api',
  settings: CommandApiSettings,
  httpPort: (settings) => settings.COMMAND_API_HTTP_PORT,
  module: (settings) => CommandApiModule.forSettings(settings),
});
