/** Small measuring tools for the benchmark: throughput of a bounded workload, latency percentiles. */
import { readdirSync, readFileSync } from 'node:fs';

export interface Throughput {
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

export function percentiles(samplesMs: number[]): Latency {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), p999Ms: round(at(0.999)) };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Runs `operation` from `concurrency` workers until `total` operations are done (or `maxSeconds` pass),
 * timing each; returns throughput and latency.
 */
export async function runClosedLoop(
  concurrency: number,
  total: number,
  operation: (index: number) => Promise<unknown>,
  maxSeconds = 30,
): Promise<Throughput & Latency & { concurrency: number }> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && performance.now() < deadline) {
        const index = next++;
        const begun = performance.now();
        await operation(index);
        samples.push(performance.now() - begun);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency,
    operations: samples.length,
    seconds: round(seconds),
    perSecond: round(samples.length / seconds, 0),
    ...percentiles(samples),
  };
}

export function ratio(numerator: number, denominator: number): number {
  return round(numerator / denominator, 3);
}

/**
 * CPU time used by the processes on this machine, grouped: where a figure is bound by the machine rather
 * than by one component, the split says which process spends the cores. Linux only (/proc); elsewhere empty.
 */
export interface CpuReading {
  readonly atMs: number;
  readonly machineBusyMs: number;
  /** Per process: its group and the CPU it has used so far. */
  readonly processes: ReadonlyMap<number, { readonly group: string; readonly cpuMs: number }>;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture certm3 runs on

export function readCpu(groups: Record<string, (pid: number, name: string) => boolean>): CpuReading {
  const processes = new Map<number, { group: string; cpuMs: number }>();
  let machineBusyMs = 0;
  try {
    // /proc/stat's first line: user nice system idle iowait irq softirq steal … in ticks, over all cores.
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    machineBusyMs =
      ((ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) * 1000) / CLOCK_TICKS_PER_SECOND;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // the process ended while we looked
      }
      const nameEnd = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, nameEnd);
      const fields = stat.slice(nameEnd + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name; they cover every thread.
      const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
      const pid = Number(entry);
      const group = Object.keys(groups).find((candidate) => groups[candidate](pid, name));
      if (group) processes.set(pid, { group, cpuMs });
    }
  } catch {
    // not Linux: no reading
  }
  return { atMs: performance.now(), machineBusyMs, processes };
}

/**
 * CPU used so far by a process's main thread (its JavaScript event loop, for Node), apart from its other
 * threads (libuv's pool, where WebCrypto runs; V8's compiler and collector). Linux only; elsewhere NaN.
 */
export function mainThreadCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * CPU per operation of each group between two readings, and how busy the machine's cores were. Counted per
 * process alive at the second reading (a process that ended in between is left out, never subtracted).
 */
export function cpuBetween(
  before: CpuReading,
  after: CpuReading,
  operations: number,
  cores: number,
): { machineBusy: number; msPerOperation: Record<string, number> } {
  const byGroupMs: Record<string, number> = {};
  for (const [pid, { group, cpuMs }] of after.processes)
    byGroupMs[group] = (byGroupMs[group] ?? 0) + cpuMs - (before.processes.get(pid)?.cpuMs ?? 0);
  const elapsedMs = after.atMs - before.atMs;
  return {
    machineBusy: round((after.machineBusyMs - before.machineBusyMs) / (elapsedMs * cores), 2),
    msPerOperation: Object.fromEntries(
      Object.entries(byGroupMs).map(([group, cpuMs]) => [group, round(cpuMs / operations, 3)]),
    ),
  };
}
