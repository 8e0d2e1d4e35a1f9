import 'reflect-metadata';
import { loadConfig } from '@certm3/app-runtime';
import { createEventStore } from '@certm3/event-store';
import { ProjectorSettings } from '../projector.settings';
import { rebuild, verify } from './rebuild-and-verify';

const USAGE = `certm3 projector operations (same environment variables as the projector):

  npm run projector -- rebuild   replay the whole log into fresh tables and swap them in atomically
  npm run projector -- verify    rebuild into a scratch schema and compare with the live tables row by row

verify exits 0 when the tables match, 1 when they differ (the differences are printed as JSON).
A halted projection is retried or skipped on the projector's HTTP port:
  curl -X POST localhost:3001/projector/retry
  curl -X POST localhost:3001/projector/skip -H 'content-type: application/json' -d '{"position":"<position>"}'`;

async function main(verb: string | undefined): Promise<number> {
  if (verb !== 'rebuild' && verb !== 'verify') {
    process.stdout.write(`${USAGE}\n`);
    return verb === undefined || verb === '--help' ? 0 : 2;
  }
  const settings = loadConfig(ProjectorSettings, process.env);
  const store = await createEventStore({ url: settings.EVENT_STORE_URL });
  const log = (message: string) => process.stderr.write(`${message}\n`);
  try {
    const options = {
      databaseUrl: settings.CERTM3_DATABASE_URL,
      store,
      unknownEventPolicy: settings.UNKNOWN_EVENT_POLICY,
      log,
    };
    if (verb === 'rebuild') {
      process.stdout.write(`${JSON.stringify(await rebuild(options), null, 2)}\n`);
      return 0;
    }
    const report = await verify(options);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.differences.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
