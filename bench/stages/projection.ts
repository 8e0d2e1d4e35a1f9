/**
 * Projection catch-up: the certm3 read model rebuilt in this process from a seeded log, compared to the
 * 500-row INSERT baseline, and every read model at once. The projector's internals are imported here (and
 * READ_MODELS, for the settings' names, by live-lag).
 */
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { PostgresEventStore } from '@certm3/event-store';
import { prepareReadModel, ReadModel, replayInto } from '@certm3/projection';
import { certm3Model, READ_MODELS } from '../../apps/projector/src/read-models';
import { cpuBetween, ratio, readCpu, round } from '../measure';
import { log } from '../support/log';
import { cores } from '../support/machine';
import { scratchDatabase } from '../support/scratch';

/** A scratch database with the model's tables, empty, and a kysely on it. */
async function emptyReadModel(model: ReadModel, name: string): Promise<Kysely<unknown>> {
  const read = await scratchDatabase(name);
  const client = new Client({ connectionString: read.url });
  await client.connect();
  await prepareReadModel(client, model);
  await client.end();
  const pool = new Pool({ connectionString: read.url, max: 2 });
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
}

const CPU_GROUPS = {
  projector: (pid: number) => pid === process.pid,
  postgres: (_pid: number, name: string) => name === 'postgres',
  other: () => true,
};

export async function projectionCatchUp(store: PostgresEventStore, batchedInsertRowsPerSecond: number) {
  const db = await emptyReadModel(certm3Model, 'bench_proj_read');
  log('rebuilding the certm3 tables from the log');
  const cpuBefore = readCpu(CPU_GROUPS);
  const started = performance.now();
  const applied = await replayInto(store, db, certm3Model, certm3Model.liveLayout, { batchSize: 1_000 });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, readCpu(CPU_GROUPS), applied / 1_000, cores());
  const eventsPerSecond = round(applied / seconds, 0);
  await db.destroy();
  return {
    events: applied,
    seconds: round(seconds),
    eventsPerSecond,
    machineBusy: cpu.machineBusy,
    cpuMsPer1000Events: cpu.msPerOperation,
    ratioToBatchedInsert: ratio(eventsPerSecond, batchedInsertRowsPerSecond),
  };
}

export type ProjectionCatchUp = Awaited<ReturnType<typeof projectionCatchUp>>;

/**
 * The same log into every read model at once, each in its own database, as the projector runs them (a
 * runner per model, side by side): how long until all are caught up, next to the certm3-only catch-up of
 * the same run.
 */
export async function allModelsCatchUp(store: PostgresEventStore, singleModel: ProjectionCatchUp) {
  const targets = await Promise.all(
    READ_MODELS.map(async (model) => ({
      model,
      db: await emptyReadModel(model, `bench_proj_${model.name}`),
    })),
  );
  log(`catching up ${READ_MODELS.map((model) => model.name).join(', ')} together`);
  const cpuBefore = readCpu(CPU_GROUPS);
  const started = performance.now();
  const applied = await Promise.all(
    targets.map(({ model, db }) => replayInto(store, db, model, model.liveLayout, { batchSize: 1_000 })),
  );
  const seconds = (performance.now() - started) / 1000;
  const events = Math.max(...applied);
  const cpu = cpuBetween(cpuBefore, readCpu(CPU_GROUPS), events / 1_000, cores());
  await Promise.all(targets.map(({ db }) => db.destroy()));
  const eventsPerSecond = round(events / seconds, 0);
  return {
    models: READ_MODELS.map((model) => model.name),
    events,
    seconds: round(seconds),
    eventsPerSecond,
    machineBusy: cpu.machineBusy,
    cpuMsPer1000Events: cpu.msPerOperation,
    ratioToSingleModel: ratio(eventsPerSecond, singleModel.eventsPerSecond),
  };
}

export type AllModelsCatchUp = Awaited<ReturnType<typeof allModelsCatchUp>>;
