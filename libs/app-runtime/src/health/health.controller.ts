import { Controller, Get, Inject, Provider, ServiceUnavailableException } from '@nestjs/common';
import { checkHealth, HEALTH_INDICATORS, HealthIndicator, HealthReport } from './health-indicator';

@Controller('health')
export class HealthController {
  constructor(@Inject(HEALTH_INDICATORS) private readonly indicators: HealthIndicator[]) {}

  /** Readiness: every dependency answers. A 503 carries the same report, naming the ones that do not. */
  @Get()
  async health(): Promise<HealthReport> {
    const report = await checkHealth(this.indicators);
    if (report.status !== 'up') throw new ServiceUnavailableException(report);
    return report;
  }

  /** Liveness: the process serves requests, whatever its dependencies do. */
  @Get('live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }
}

/** Gathers the HealthIndicator providers named by `tokens` for the HealthController. */
export function healthIndicatorsProvider(tokens: readonly (string | symbol)[]): Provider {
  return {
    provide: HEALTH_INDICATORS,
    inject: [...tokens],
    useFactory: (...indicators: HealthIndicator[]) => indicators,
  };
}
