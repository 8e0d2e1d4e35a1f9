import { errorMessage } from '@certm3/common';

/** A dependency the health endpoint reports on. `check` resolves when it answers, throws when not. */
export interface HealthIndicator {
  readonly name: string;
  check(): Promise<Record<string, unknown> | void>;
}

export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');

export type DependencyStatus =
  { status: 'up'; [detail: string]: unknown } | { status: 'down'; error: string };

export interface HealthReport {
  status: 'up' | 'down';
  checks: Record<string, DependencyStatus>;
}

const CHECK_TIMEOUT_MS = 2_000;

export async function checkHealth(indicators: readonly HealthIndicator[]): Promise<HealthReport> {
  const results = await Promise.all(
    indicators.map(async (indicator): Promise<[string, DependencyStatus]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const details = await Promise.race([
          indicator.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            );
          }),
        ]);
        return [indicator.name, { status: 'up', ...(details ?? {}) }];
      } catch (error) {
        return [indicator.name, { status: 'down', error: errorMessage(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(results);
  return { status: results.every(([, result]) => result.status === 'up') ? 'up' : 'down', checks };
}
