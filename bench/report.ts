/** The results of a run: bench/results/latest.json and the table or, with BENCH_ONLY, JSON on stdout. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReplay } from './stages/audit';
import type { CommandPath, CommandPathCeiling } from './stages/command-path';
import type { EventStoreAppend } from './stages/event-store-append';
import type { LiveLag } from './stages/live-lag';
import type { NatsBaselines } from './stages/nats-baselines';
import type { PostgresBaselines } from './stages/postgres-baselines';
import type { AllModelsCatchUp, ProjectionCatchUp } from './stages/projection';
import type { AccessCheckCost } from './stages/access-check';
import type { MachineInfo } from './support/machine';

/** Every figure of a run, in the order the JSON lists them; a stage that did not run leaves its key out. */
export interface BenchResults {
  machine?: MachineInfo;
  baselines?: { postgres: PostgresBaselines; nats: NatsBaselines | undefined };
  eventStoreAppend?: EventStoreAppend;
  commandPath?: CommandPath;
  commandPathCeiling?: CommandPathCeiling;
  accessCheck?: AccessCheckCost;
  projectionCatchUp?: ProjectionCatchUp;
  allModelsCatchUp?: AllModelsCatchUp;
  replay?: AuditReplay;
  liveLag?: LiveLag;
  totalSeconds?: number;
}

/** With BENCH_ONLY: the figures of the stages that ran, on stdout only. */
export function printJson(results: BenchResults): void {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

export function writeResultsFile(results: BenchResults): void {
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'latest.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
}

/** The table of a full run, where every stage ran and so every figure is there. */
export function printTable(results: BenchResults): void {
  const r = results as Required<BenchResults>;
  const nats = r.baselines.nats!;
  const rows: [string, string, string][] = [
    [
      'PostgreSQL single-row INSERT, 1 conn',
      `${r.baselines.postgres.singleRowInsert.c1.perSecond}/s`,
      'baseline',
    ],
    [
      'PostgreSQL single-row INSERT, 32 conns',
      `${r.baselines.postgres.singleRowInsert.c32.perSecond}/s`,
      'baseline',
    ],
    [
      'PostgreSQL 500-row INSERT',
      `${r.baselines.postgres.batchedInsert500.rowsPerSecond} rows/s`,
      'baseline',
    ],
    ['PostgreSQL COPY', `${r.baselines.postgres.copy.rowsPerSecond} rows/s`, 'baseline'],
    ['NATS request-reply, 1 in flight', `${nats.c1.perSecond}/s`, 'baseline'],
    ['NATS request-reply, 64 in flight', `${nats.c64.perSecond}/s`, 'baseline'],
    [
      'event store append, 1 writer',
      `${r.eventStoreAppend.c1.perSecond}/s p50 ${r.eventStoreAppend.c1.p50Ms} p99 ${r.eventStoreAppend.c1.p99Ms} ms`,
      `${r.eventStoreAppend.ratioToSingleRowInsertC1} of INSERT c1`,
    ],
    [
      'event store append, 32 writers',
      `${r.eventStoreAppend.c32.perSecond}/s p50 ${r.eventStoreAppend.c32.p50Ms} p99 ${r.eventStoreAppend.c32.p99Ms} ms`,
      `${r.eventStoreAppend.ratioToSingleRowInsertC32} of INSERT c32 (target 0.6)`,
    ],
    [
      'append holding 2 reads at commit, 32 writers',
      `${r.eventStoreAppend.holdingTwoReadsC32.perSecond}/s p50 ${r.eventStoreAppend.holdingTwoReadsC32.p50Ms} p99 ${r.eventStoreAppend.holdingTwoReadsC32.p99Ms} ms`,
      `${r.eventStoreAppend.holdingTwoReadsRatioToPlainC32} of plain append c32`,
    ],
    ...(['c1', 'c16', 'c64'] as const).map((key): [string, string, string] => [
      `command path, ${r.commandPath[key].concurrency} in flight`,
      `${r.commandPath[key].perSecond}/s p50 ${r.commandPath[key].p50Ms} p99 ${r.commandPath[key].p99Ms} p999 ${r.commandPath[key].p999Ms} ms`,
      `${r.commandPath[key].ratioToEventStoreAppend} of append${key === 'c64' ? ' (target 0.6, p99 50 ms)' : ''}`,
    ]),
    [
      'CPU per command, 64 in flight',
      `API ${r.commandPath.c64.cpuMsPerCommand.commandApi} PostgreSQL ${r.commandPath.c64.cpuMsPerCommand.postgres} NATS ${r.commandPath.c64.cpuMsPerCommand.natsServer} load ${r.commandPath.c64.cpuMsPerCommand.loadGenerator} ms`,
      `cores ${Math.round(r.commandPath.c64.machineBusy * 100)}% busy`,
    ],
    [
      'permission check per command (remembered actor)',
      `${r.accessCheck.microsecondsPerCheck} µs CPU`,
      `${r.accessCheck.shareOfApiCpuPerCommand} of the API's CPU per command (limit 0.10)`,
    ],
    [
      'ceiling: NATS + append alone, 64 in flight',
      `${r.commandPathCeiling.c64.perSecond}/s`,
      `${r.commandPathCeiling.c64.ratioToEventStoreAppend} of append; command path at ${r.commandPathCeiling.c64.commandPathShare} of it`,
    ],
    [
      'command path, 64 in flight, 2 instances',
      `${r.commandPath.c64TwoInstances.perSecond}/s p50 ${r.commandPath.c64TwoInstances.p50Ms} p99 ${r.commandPath.c64TwoInstances.p99Ms} p999 ${r.commandPath.c64TwoInstances.p999Ms} ms`,
      `${r.commandPath.c64TwoInstances.ratioToEventStoreAppend} of append`,
    ],
    [
      'projection catch-up (200k events)',
      `${r.projectionCatchUp.eventsPerSecond} events/s (cores ${Math.round(r.projectionCatchUp.machineBusy * 100)}% busy)`,
      `${r.projectionCatchUp.ratioToBatchedInsert} of 500-row INSERT (target 0.15)`,
    ],
    [
      `catch-up into ${r.allModelsCatchUp.models.length} read databases at once`,
      `${r.allModelsCatchUp.eventsPerSecond} events/s (cores ${Math.round(r.allModelsCatchUp.machineBusy * 100)}% busy)`,
      `${r.allModelsCatchUp.ratioToSingleModel} of certm3 alone (target 0.6)`,
    ],
    [
      'live lag at 500 commands/s',
      `p50 ${r.liveLag.p50Ms} p99 ${r.liveLag.p99Ms} ms (achieved ${r.liveLag.achievedCommandsPerSecond}/s)`,
      'target p99 100 ms',
    ],
    ['audit export', `${r.replay.exportEventsPerSecond} events/s`, 'target 50,000/s'],
    ['state-at, 10,000-event stream', `${r.replay.stateAtOn10000EventStreamMs} ms`, ''],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  const second = Math.max(...rows.map((row) => row[1].length));
  process.stdout.write(
    `\ncertm3 benchmark — ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}\n\n`,
  );
  for (const [name, value, note] of rows)
    process.stdout.write(`${name.padEnd(width)}  ${value.padEnd(second)}  ${note}\n`);
  process.stdout.write(`\n(${r.totalSeconds} s; bench/results/latest.json has every figure)\n`);
}
