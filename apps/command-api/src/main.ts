import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { CommandApiModule } from './command-api.module';
import { CommandApiSettings } from './command-api.settings';

void runNestApp({
  appName: 'command-api',
  settings: CommandApiSettings,
  module: (settings) => CommandApiModule.forSettings(settings),
});
