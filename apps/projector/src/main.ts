import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { ProjectorModule } from './projector.module';
import { ProjectorSettings } from './projector.settings';

void runNestApp({
  appName: 'projector',
  settings: ProjectorSettings,
  httpPort: (settings) => settings.PROJECTOR_HTTP_PORT,
  module: (settings) => ProjectorModule.forSettings(settings),
});
