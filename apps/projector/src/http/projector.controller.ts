import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { IsString } from 'class-validator';
import { PROMETHEUS_CONTENT_TYPE } from '@certm3/app-runtime';
import { ProjectorMetrics, ReadModelRunner } from '@certm3/projection';

export const READ_MODEL_RUNNERS = Symbol('READ_MODEL_RUNNERS');
export const PROJECTOR_METRICS = Symbol('PROJECTOR_METRICS');

class SkipRequest {
  @IsString()
  position!: string;
}

/**
 * The projector's internal HTTP port, besides /health:
 *   GET  /projector                               every model's status
 *   GET  /projector/<model>                       one model's status
 *   POST /projector/<model>/retry                 try the event the model is halted on again now
 *   POST /projector/<model>/skip {"position"}     record that event as skipped and go on
 *   GET  /metrics                                 Prometheus series, labelled by model
 */
@Controller()
export class ProjectorController {
  constructor(
    @Inject(READ_MODEL_RUNNERS) private readonly runners: readonly ReadModelRunner[],
    @Inject(PROJECTOR_METRICS) private readonly metrics: ProjectorMetrics,
  ) {}

  private runner(model: string): ReadModelRunner {
    const runner = this.runners.find((candidate) => candidate.model.name === model);
    if (!runner) throw new NotFoundException(`no read model named "${model}"`);
    return runner;
  }

  @Get('projector')
  statuses() {
    return Object.fromEntries(this.runners.map((runner) => [runner.model.name, runner.status()]));
  }

  @Get('projector/:model')
  status(@Param('model') model: string) {
    return this.runner(model).status();
  }

  @Post('projector/:model/retry')
  @HttpCode(202)
  retry(@Param('model') model: string) {
    if (!this.runner(model).retry()) throw new NotFoundException(`read model "${model}" is not halted`);
    return { accepted: true };
  }

  @Post('projector/:model/skip')
  @HttpCode(202)
  skip(@Param('model') model: string, @Body() request: SkipRequest) {
    if (typeof request?.position !== 'string' || !this.runner(model).skip(request.position)) {
      throw new NotFoundException(`read model "${model}" is not halted on an event at that position`);
    }
    return { accepted: true };
  }

  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  async renderMetrics(): Promise<string> {
    return this.metrics.render();
  }
}
