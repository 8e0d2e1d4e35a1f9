/**
 * npm run bench — how fast certm3 writes, projects and replays on this machine, each figure next to a raw
 * baseline measured in the same run (PostgreSQL inserts, NATS round trips). Prints a table and writes
 * bench/results/latest.json. Everything runs against the local PostgreSQL and NATS, in scratch databases
 * that are dropped at the end. Timings are reported, never asserted.
 *
 * Each stage is a file of stages/; what several share (scratch databases, the apps as processes, sending
 * commands, the seeded log, the machine) is in support/; the table and the JSON file are in report.ts.
 */
import 'reflect-metadata';
import { round } from './measure';
import { Baselines, BenchResults, printJson, printTable, writeResultsFile } from './report';
import { auditReplay } from './stages/audit';
import { commandPath, commandPathCeiling } from './stages/command-path';
import { eventStoreAppend } from './stages/event-store-append';
import { issuance } from './stages/issuance';
import { batchedUpdateBaseline, keyRotation } from './stages/key-rotation';
import { liveLag } from './stages/live-lag';
import { NatsBaselines, natsBaselines } from './stages/nats-baselines';
import { postgresBaselines } from './stages/postgres-baselines';
import { allModelsCatchUp, projectionCatchUp } from './stages/projection';
import { accessCheckCost } from './stages/access-check';
import { signatureBaselines } from './stages/signature-baselines';
import { pkiReadSide } from './stages/pki';
import { expiryAtOnce } from './stages/expiry';
import { stopApps } from './support/apps';
import { log } from './support/log';
import { machineInfo } from './support/machine';
import { dropScratchDatabases } from './support/scratch';
import { seededEventStore } from './support/seed-log';

/**
 * BENCH_ONLY=append,command,projection,live,issuance,rotation,pki,expiry runs just those stages (for profiling); it
 * prints JSON only. The PostgreSQL baselines always run, as the other figures are ratios to them; the NATS
 * baselines run only when `nats` is named too, and the command-path ceiling needs them. `command` brings
 * `append` with it, `projection` covers the audit replay over the same log, `issuance` brings the signature
 * baselines and `rotation` the batched-UPDATE baseline, each stage's own raw baseline; `pki` brings the
 * signature baselines too, unless `issuance` measured them already.
 */
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const runs = (stage: string) => only.size === 0 || only.has(stage);
const results: BenchResults = {};

async function main() {
  const began = performance.now();
  results.machine = await machineInfo();
  log('raw PostgreSQL baselines');
  const postgres = await postgresBaselines();
  let nats: NatsBaselines | undefined;
  if (runs('nats')) {
    log('raw NATS baselines');
    nats = await natsBaselines();
  }
  const baselines: Baselines = { postgres, nats };
  results.baselines = baselines;
  if (runs('append') || runs('command')) {
    log('event store append through the port');
    const append = await eventStoreAppend(postgres.singleRowInsert);
    results.eventStoreAppend = append;
    if (runs('command')) {
      log('command path over NATS');
      const commands = await commandPath(append);
      results.commandPath = commands;
      results.accessCheck = await accessCheckCost(commands.c64.cpuMsPerCommand.commandApi);
      if (nats) results.commandPathCeiling = commandPathCeiling(nats, append, commands);
    }
  }
  if (runs('projection')) {
    log('projection catch-up and replay');
    const store = await seededEventStore();
    results.projectionCatchUp = await projectionCatchUp(store, postgres.batchedInsert500.rowsPerSecond);
    results.allModelsCatchUp = await allModelsCatchUp(store, results.projectionCatchUp);
    results.replay = await auditReplay(store);
    await store.close();
  }
  if (runs('live')) {
    log('live projection lag at 500 commands/s');
    results.liveLag = await liveLag();
  }
  if (runs('issuance')) {
    log('signature baselines (node:crypto, one core)');
    const signatures = signatureBaselines();
    baselines.signatures = signatures;
    log('issuance over NATS');
    results.issuance = await issuance(signatures);
  }
  if (runs('rotation')) {
    log('raw PostgreSQL UPDATEs, 500 per transaction');
    const batchedUpdate = await batchedUpdateBaseline();
    baselines.batchedUpdate500 = batchedUpdate;
    log('key rotation in the vault');
    results.keyRotation = await keyRotation(batchedUpdate);
  }
  if (runs('pki')) {
    if (!baselines.signatures) {
      log('signature baselines (node:crypto, one core)');
      baselines.signatures = signatureBaselines();
    }
    log('the PKI read side: CRLs and OCSP under 100,000 revocations');
    results.pki = await pkiReadSide(baselines.signatures);
  }
  if (runs('expiry')) {
    log('the lifecycle process: 100,000 certificates falling due at once');
    results.expiry = await expiryAtOnce(postgres.batchedInsert500.rowsPerSecond);
  }
  results.totalSeconds = round((performance.now() - began) / 1000, 1);
}

/** Stops the apps the run started and drops its scratch databases, whatever ended the run. */
async function cleanUpAndExit(code: number): Promise<never> {
  await stopApps();
  await dropScratchDatabases();
  process.exit(code);
}

const describeFailure = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);
// A failure outside main's chain (a probe's rejected promise not yet awaited) must not leave the apps
// running and the scratch databases behind, as it once did.
for (const event of ['unhandledRejection', 'uncaughtException'] as const)
  process.once(event, (error: unknown) => {
    process.stderr.write(`bench failed: ${describeFailure(error)}\n`);
    void cleanUpAndExit(1);
  });

main()
  .then(() => {
    if (only.size > 0) return printJson(results);
    writeResultsFile(results);
    printTable(results);
  })
  .then(
    () => cleanUpAndExit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${describeFailure(error)}\n`);
      return cleanUpAndExit(1);
    },
  );
