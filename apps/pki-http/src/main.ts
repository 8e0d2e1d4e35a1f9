import 'reflect-metadata';
import { runNestApp } from '@certm3/app-runtime';
import { PkiHttpModule } from './pki-http.module';
import { PkiHttpSettings } from './pki-http.settings';

void runNestApp({
  appName: 'pki-http',
  settings: PkiHttpSettings,
  httpPort: (settings) => settings.PKI_HTTP_PORT,
  module: (settings) => PkiHttpModule.forSettings(settings),
});
