/** The results of a run: bench/results/latest.json and the table or, with BENCH_ONLY, JSON on stdout. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReplay } from './stages/audit';
import type { CommandPath, CommandPathCeiling } from './stages/command-path';
import type { EventStoreAppend } from './stages/event-store-append';
import type { Issuance } from './stages/issuance';
import type { BatchedUpdateBaseline, KeyRotation } from './stages/key-rotation';
import type { LiveLag } from './stages/live-lag';
import type { NatsBaselines } from './stages/nats-baselines';
import type { PostgresBaselines } from './stages/postgres-baselines';
import type { AllModelsCatchUp, ProjectionCatchUp } from './stages/projection';
import type { AccessCheckCost } from './stages/access-check';
import type { SignatureBaselines } from './stages/signature-baselines';
import type { PkiReadSide } from './stages/pki';
import type { ExpiryAtOnce } from './stages/expiry';
import type { MachineInfo } from './support/machine';

/** The raw baselines of a run: PostgreSQL's always, the others with the stages compared to them. */
export interface Baselines {
  postgres: PostgresBaselines;
  nats: NatsBaselines | undefined;
  signatures?: SignatureBaselines;
  batchedUpdate500?: BatchedUpdateBaseline;
}

/** Every figure of a run, in the order the JSON lists them; a stage that did not run leaves its key out. */
export interface BenchResults {
  machine?: MachineInfo;
  baselines?: Baselines;
  eventStoreAppend?: EventStoreAppend;
  commandPath?: CommandPath;
  commandPathCeiling?: CommandPathCeiling;
  accessCheck?: AccessCheckCost;
  projectionCatchUp?: ProjectionCatchUp;
  allModelsCatchUp?: AllModelsCatchUp;
  replay?: AuditReplay;
  liveLag?: LiveLag;
  issuance?: Issuance;
  keyRotation?: KeyRotation;
  pki?: PkiReadSide;
  expiry?: ExpiryAtOnce;
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

type Row = [string, string, string];

/** The PKI read side: the CRL of 100,000 revoked, revocation to CRL and to OCSP, OCSP answers per second. */
function pkiRows(pki: PkiReadSide): Row[] {
  const { targets } = pki;
  const ocsp = (run: PkiReadSide['ocspCached'], name: string): Row => [
    `OCSP, ${name}, ${run.concurrency} concurrent`,
    `${run.perSecond}/s p50 ${run.p50Ms} p99 ${run.p99Ms} ms`,
    `${run.ratioToP256Signatures} of P-256 signing; pki-http ${run.cpuMsPerRequest.pkiHttp} ms CPU per answer, load ${run.cpuMsPerRequest.loadGenerator} ms (target ${targets.ocspPerSecond}/s)`,
  ];
  return [
    [
      `CRL of ${pki.revoked} revoked, pki-http`,
      `${pki.crlAtStart.writeAndSignMs} ms, ${pki.crlAtStart.bytes} bytes`,
      `write and sign (target ${targets.crlGenerationMs} ms); p50 ${pki.crlAfterEachRevocationWriteAndSignMs.p50Ms} ms after each revocation`,
    ],
    [
      `  the same in one process (libs/pki)`,
      `${pki.crlLibrary.writeAndSignMs} ms, ${pki.crlLibrary.bytes} bytes`,
      `encoding the ${pki.revoked} entries once: ${pki.crlLibrary.encodeEntriesMs} ms`,
    ],
    [
      'revocation → served CRL',
      `p50 ${pki.revocationToServedCrl.p50Ms} p99 ${pki.revocationToServedCrl.p99Ms} ms`,
      `from RevokeCertificate's reply (target ${targets.revocationToCrlMs} ms)`,
    ],
    [
      'revocation → OCSP revoked',
      `p50 ${pki.revocationToOcspRevoked.p50Ms} p99 ${pki.revocationToOcspRevoked.p99Ms} ms`,
      `from RevokeCertificate's reply (target ${targets.revocationToOcspMs} ms)`,
    ],
    ocsp(pki.ocspCached, 'no nonce (cached)'),
    ocsp(pki.ocspWithNonce, 'nonce (signed each)'),
  ];
}

/** An issuance variant: its rate and latency, to RegisterCertificate and signing, beside the targets. */
function issuanceRows(
  issuance: Issuance,
  key: 'csrP256' | 'serverKeyP256' | 'csrRsa3072',
  name: string,
): Row[] {
  const run = issuance[key];
  const { targets } = issuance;
  const signing = Object.entries(run.ratioToSignatures)
    .map(([baseline, value]) => `${value} of ${SIGNATURE_NAMES[baseline]} signing`)
    .join(', ');
  const cpu = run.cpuMsPerCommand;
  return [
    [
      `issuance, ${name}, 64 in flight`,
      `${run.perSecond}/s p50 ${run.p50Ms} p99 ${run.p99Ms} ms`,
      `${run.ratioToRegisterCertificate} of RegisterCertificate; ${signing} (target ${targets.certificatesPerSecond}/s, p99 ${targets.p99Ms} ms, ${targets.ratioToRegisterCertificate} of register)`,
    ],
    [
      `  CPU per certificate`,
      `API ${cpu.commandApi} PostgreSQL ${cpu.postgres} NATS ${cpu.natsServer} load ${cpu.loadGenerator} ms`,
      `cores ${Math.round(run.machineBusy * 100)}% busy, the API's event loop ${Math.round(run.apiMainThreadBusy * 100)}% of a core`,
    ],
  ];
}
const SIGNATURE_NAMES: Record<string, string> = {
  ecdsaP256: 'P-256',
  rsa2048: 'RSA-2048',
  rsa3072: 'RSA-3072',
};

/** The table of a full run, where every stage ran and so every figure is there. */
export function printTable(results: BenchResults): void {
  const r = results as Required<BenchResults>;
  const nats = r.baselines.nats!;
  const signatures = r.baselines.signatures!;
  const rows: Row[] = [
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
    [
      'PostgreSQL single-row UPDATE, 500 per transaction',
      `${r.baselines.batchedUpdate500!.rowsPerSecond} rows/s`,
      'baseline',
    ],
    ['NATS request-reply, 1 in flight', `${nats.c1.perSecond}/s`, 'baseline'],
    ['NATS request-reply, 64 in flight', `${nats.c64.perSecond}/s`, 'baseline'],
    ...(['ecdsaP256', 'rsa2048', 'rsa3072'] as const).map((key): Row => [
      `${SIGNATURE_NAMES[key]} signatures, one core`,
      `${signatures[key].perSecond}/s`,
      'baseline',
    ]),
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
    [
      'RegisterCertificate, 64 in flight',
      `${r.issuance.registerCertificate.perSecond}/s p50 ${r.issuance.registerCertificate.p50Ms} p99 ${r.issuance.registerCertificate.p99Ms} ms`,
      'what issuance is compared to',
    ],
    ...issuanceRows(r.issuance, 'csrP256', 'CSRs, P-256 CA'),
    ...issuanceRows(r.issuance, 'serverKeyP256', 'keys made here, P-256 CA'),
    ...issuanceRows(r.issuance, 'csrRsa3072', 'CSRs, RSA-3072 CA'),
    [
      `key rotation, ${r.keyRotation.dataKeys} data keys in batches of ${r.keyRotation.batchSize}`,
      `${r.keyRotation.rewrappedPerSecond} keys/s (batch p50 ${r.keyRotation.batchP50Ms} ms)`,
      `${r.keyRotation.ratioToBatchedUpdate} of UPDATE 500 per transaction; CPU per key vault ${r.keyRotation.cpuMsPerDataKey.vault} PostgreSQL ${r.keyRotation.cpuMsPerDataKey.postgres} ms`,
    ],
    ...pkiRows(r.pki),
    [
      `expiry, ${r.expiry.certificates} certificates due at once`,
      `${r.expiry.markedPerSecond} marked/s`,
      `${r.expiry.vsBatchedInsert} of INSERT 500 per transaction; ${r.expiry.startToFirstMarkSeconds} s from start to the first mark (the ledger folds the whole log first)`,
    ],
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
