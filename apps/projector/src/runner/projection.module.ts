import {
  Body,
  Controller,
  DynamicModule,
  Get,
  Header,
  HttpCode,
  Inject,
  Module,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Post,
} from '@nestjs/common';
import { IsString } from 'class-validator';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { EVENT_STORE, HealthIndicator } from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';
import { READ_DATABASE_POOL } from '../read-database/read-database.module';
import { migrateReadModel } from '../read-model/migrations';
import { LIVE_SCHEMA } from '../read-model/certm3-tables';
import { ProjectionRunner, ProjectionRunnerOptions } from './projection-runner';

export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');
export const PROJECTION_HEALTH = Symbol('PROJECTION_HEALTH');

class ProjectionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner) {}
  onApplicationBootstrap(): void {
    this.runner.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

class SkipRequest {
  @IsString()
  position!: string;
}

/**
 * Operator commands for a halted projection, on the projector's internal HTTP port:
 *   POST /projector/retry                      try the halted event again now
 *   POST /projector/skip {"position":"…"}      record the halted event as skipped and go on
 * and its metrics for Prometheus at GET /metrics.
 */
@Controller()
class ProjectionController {
  constructor(@Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner) {}

  @Get('projector')
  status() {
    return this.runner.status();
  }

  @Post('projector/retry')
  @HttpCode(202)
  retry() {
    if (!this.runner.retry()) throw new NotFoundException('the projection is not halted');
    return { accepted: true };
  }

  @Post('projector/skip')
  @HttpCode(202)
  skip(@Body() request: SkipRequest) {
    if (typeof request?.position !== 'string' || !this.runner.skip(request.position)) {
      throw new NotFoundException('the projection is not halted on an event at that position');
    }
    return { accepted: true };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metrics(): Promise<string> {
    const status = this.runner.status();
    const lag = await this.runner.lag().catch(() => undefined);
    const lines = [
      '# HELP certm3_projector_lag_events Events in the log not yet applied to the certm3 tables (capped at 10000).',
      '# TYPE certm3_projector_lag_events gauge',
      `certm3_projector_lag_events ${lag?.events ?? 'NaN'}`,
      '# HELP certm3_projector_lag_seconds How long the oldest unapplied event has waited.',
      '# TYPE certm3_projector_lag_seconds gauge',
      `certm3_projector_lag_seconds ${lag ? lag.milliseconds / 1000 : 'NaN'}`,
      '# HELP certm3_projector_events_applied_total Events applied by this process.',
      '# TYPE certm3_projector_events_applied_total counter',
      `certm3_projector_events_applied_total ${status.eventsAppliedSinceStart}`,
      '# HELP certm3_projector_halted 1 while the projection is halted on an event it cannot apply.',
      '# TYPE certm3_projector_halted gauge',
      `certm3_projector_halted ${status.halted ? 1 : 0}`,
      '# HELP certm3_projector_active 1 while this process holds the writer lock.',
      '# TYPE certm3_projector_active gauge',
      `certm3_projector_active ${status.role === 'active' ? 1 : 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

@Module({})
export class ProjectionModule {
  static forRoot(
    options: Omit<ProjectionRunnerOptions, 'databaseUrl'> & { databaseUrl: string },
  ): DynamicModule {
    return {
      module: ProjectionModule,
      controllers: [ProjectionController],
      providers: [
        {
          provide: PROJECTION_RUNNER,
          inject: [EVENT_STORE, READ_DATABASE_POOL],
          useFactory: async (store: EventStore, pool: Pool) => {
            // Schema first, so a projector never writes to tables of an older shape.
            const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
            await migrateReadModel(db, LIVE_SCHEMA);
            return new ProjectionRunner(store, options);
          },
        },
        {
          provide: PROJECTION_HEALTH,
          inject: [PROJECTION_RUNNER],
          useFactory: (runner: ProjectionRunner): HealthIndicator => ({
            name: 'projection',
            check: async () => {
              const status = runner.status();
              if (status.halted) throw new Error(`halted: ${status.halted.error}`);
              const lag = status.role === 'active' ? await runner.lag() : undefined;
              return {
                role: status.role,
                checkpoint: status.checkpoint,
                lagEvents: lag?.events,
                lagMilliseconds: lag?.milliseconds,
              };
            },
          }),
        },
        ProjectionLifecycle,
      ],
      exports: [PROJECTION_RUNNER, PROJECTION_HEALTH],
    };
  }
}
