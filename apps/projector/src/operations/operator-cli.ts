import 'reflect-metadata';
import { exitAfterOutput } from '@certm3/common';
import { Client } from 'pg';
import { loadConfig } from '@certm3/app-runtime';
import { createEventStore, EventStore } from '@certm3/event-store';
import { ensureDatabase } from '@certm3/pg-support';
import { prepareReadModel, ReadModel, rebuildReadModel, verifyReadModel } from '@certm3/projection';
import { databaseUrlOf, ProjectorSettings, projectorSettingsFor } from '../projector.settings';
import { READ_MODELS } from '../read-models';

const USAGE = `certm3 projector operations (same environment variables as the projector):

  npm run projector -- rebuild <model>|all   replay the whole log beside the live tables, then bring the live
                                             tables to it in one transaction (dashboards keep their views)
  npm run projector -- verify <model>|all    replay the log up to the live checkpoint beside the live tables
                                             and compare every table row for row

Models: ${READ_MODELS.map((model) => model.name).join(', ')}. The report is JSON, keyed by model; verify
exits 0 when the tables match and 1 when they differ (the differing rows are in the report).
A halted model is retried or skipped on the projector's HTTP port:
  curl -X POST localhost:3001/projector/<model>/retry
  curl -X POST localhost:3001/projector/<model>/skip -H 'content-type: application/json' -d '{"position":"<position>"}'`;

/** Runs `work` on a connection of its own to the model's database, created and brought to the definition. */
async function onModelDatabase<T>(
  url: string,
  model: ReadModel,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  await ensureDatabase(url);
  const client = new Client({
    connectionString: url,
    application_name: `certm3-projector-operation:${model.name}`,
  });
  await client.connect();
  try {
    await prepareReadModel(client, model);
    return await work(client);
  } finally {
    await client.end();
  }
}

async function main(verb: string | undefined, target: string | undefined): Promise<number> {
  if ((verb !== 'rebuild' && verb !== 'verify') || !target) {
    process.stdout.write(`${USAGE}\n`);
    return verb === undefined || verb === '--help' ? 0 : 2;
  }
  const models = target === 'all' ? READ_MODELS : READ_MODELS.filter((model) => model.name === target);
  if (models.length === 0) {
    process.stderr.write(
      `no read model named "${target}" (models: ${READ_MODELS.map((m) => m.name).join(', ')})\n`,
    );
    return 2;
  }
  const settings: ProjectorSettings = loadConfig(projectorSettingsFor(READ_MODELS), process.env);
  const store: EventStore = await createEventStore({ url: settings.EVENT_STORE_URL });
  const log = (message: string) => process.stderr.write(`${message}\n`);
  try {
    const reports: Record<string, unknown> = {};
    let differ = false;
    for (const model of models) {
      reports[model.name] = await onModelDatabase(databaseUrlOf(settings, model), model, async (client) => {
        const options = { client, model, store, unknownEventPolicy: settings.UNKNOWN_EVENT_POLICY, log };
        if (verb === 'rebuild') return rebuildReadModel(options);
        const report = await verifyReadModel(options);
        differ ||= report.differences.length > 0;
        return report;
      });
    }
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    return differ ? 1 : 0;
  } finally {
    await store.close();
  }
}

main(process.argv[2], process.argv[3]).then(exitAfterOutput, (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitAfterOutput(2);
});
