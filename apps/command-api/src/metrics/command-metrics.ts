import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '@certm3/app-runtime';

/** Seconds; spans a cached actor's sub-millisecond command to a slow scrypt under load. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the command API counts: commands by name and outcome, how long they take, how many are in flight. */
@Injectable()
export class CommandMetrics {
  readonly registry = new MetricsRegistry();
  private inFlight = 0;
  private readonly commands = this.registry.register(
    new Counter(
      'certm3_commands_total',
      'Commands answered, by command and outcome (ok, or the error code of the reply).',
    ),
  );
  private readonly latency = this.registry.register(
    new Histogram(
      'certm3_command_duration_seconds',
      'Time from receiving a command to sending its reply, by command.',
      LATENCY_BUCKETS,
    ),
  );

  constructor() {
    this.registry.register(
      new Gauge('certm3_commands_in_flight', 'Commands being processed by this instance now.', () => [
        { value: this.inFlight },
      ]),
    );
  }

  started(): void {
    this.inFlight++;
  }

  /** `command` is the subject's command name only when it names a known command (bounded label values). */
  answered(command: string, outcome: string, seconds: number): void {
    this.inFlight--;
    this.commands.inc({ command, outcome });
    this.latency.observe(seconds, { command });
  }
}

@Controller()
export class CommandMetricsController {
  constructor(private readonly metrics: CommandMetrics) {}

  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  metricsText(): string {
    return this.metrics.registry.render();
  }
}
