import { Counter, Gauge, MetricsRegistry } from '@certm3/app-runtime';
import type { ReadModelRunner } from './read-model-runner';

/**
 * The projector's Prometheus series, one per model (label `model`). Gauges read the runners when rendered;
 * lag needs a read of the log, so `refresh()` measures it first.
 */
export class ProjectorMetrics {
  readonly eventsApplied: Counter;
  readonly batchFallbacks: Counter;
  private readonly runners: ReadModelRunner[] = [];

  constructor(readonly registry: MetricsRegistry = new MetricsRegistry()) {
    const each = (value: (runner: ReadModelRunner) => number) => () =>
      this.runners.map((runner) => ({ labels: { model: runner.model.name }, value: value(runner) }));
    registry.register(
      new Gauge(
        'certm3_projector_lag_events',
        'Events in the log not yet applied to the model (capped at 10000; NaN unless this instance is active).',
        each((runner) => runner.cachedLag()?.events ?? NaN),
      ),
    );
    registry.register(
      new Gauge(
        'certm3_projector_lag_seconds',
        'How long the oldest unapplied event has waited.',
        each((runner) => {
          const lag = runner.cachedLag();
          return lag ? lag.milliseconds / 1000 : NaN;
        }),
      ),
    );
    this.eventsApplied = registry.register(
      new Counter('certm3_projector_events_applied_total', 'Events applied by this process.'),
    );
    this.batchFallbacks = registry.register(
      new Counter(
        'certm3_projector_batch_fallbacks_total',
        'Merged batches that failed and were applied again one statement at a time (each also logs a warning).',
      ),
    );
    registry.register(
      new Gauge(
        'certm3_projector_halted',
        '1 while the model is halted on an event it cannot apply.',
        each((runner) => (runner.status().halted ? 1 : 0)),
      ),
    );
    registry.register(
      new Gauge(
        'certm3_projector_active',
        "1 while this process holds the model's writer lock (projecting, or rebuilding it at start).",
        each((runner) => (['active', 'rebuilding'].includes(runner.status().role) ? 1 : 0)),
      ),
    );
  }

  track(runner: ReadModelRunner): void {
    this.runners.push(runner);
    // Every model's series exist from the start, at 0, rather than appearing with their first increment.
    this.eventsApplied.inc({ model: runner.model.name }, 0);
    this.batchFallbacks.inc({ model: runner.model.name }, 0);
  }

  /** Measures the lag of the models this instance projects, then renders every series. */
  async render(): Promise<string> {
    await Promise.all(
      this.runners
        .filter((runner) => runner.status().role === 'active')
        .map((runner) => runner.lag().catch(() => undefined)),
    );
    return this.registry.render();
  }
}
