import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { ProjectorModule } from './projector.module';
import { ProjectorSettings } from './projector.settings';

void runNestApp({
  appName: 'projector',
  settings: ProjectorSettings,
  module: (settings) => ProjectorModule.forSettings(settings),
});
