/** Small measuring tools for the benchmark: throughput of a bounded workload, latency percentiles. */

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
