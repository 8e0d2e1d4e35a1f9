import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { ProjectorModule } from './projector.module';
import { ProjectorSettingsWithModels } from './projector.settings';

void runNestApp({
  appName: 'projector',
  settings: ProjectorSettingsWithModels,
  httpPort: (settings) => settings.PROJECTOR_HTTP_PORT,
  module: (settings) => ProjectorModule.forSettings(settings),
});
