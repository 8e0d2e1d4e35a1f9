import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  EVENT_STORE,
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HEALTH_INDICATORS,
  HealthController,
  HealthIndicator,
} from '@certm3/app-runtime';
import { EventStore } from '@certm3/event-store';
import { ProjectorMetrics, ReadModel, ReadModelRunner } from '@certm3/projection';
import { PROJECTOR_METRICS, ProjectorController, READ_MODEL_RUNNERS } from './http/projector.controller';
import { databaseUrlOf, ProjectorSettings } from './projector.settings';
import { READ_MODELS } from './read-models';

class RunnersLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_RUNNERS) private readonly runners: readonly ReadModelRunner[]) {}
  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}

/** One runner per read model, each on its own database, reported in /health as `readModel:<name>`. */
@Module({})
export class ProjectorModule {
  static forSettings(settings: ProjectorSettings, models: readonly ReadModel[] = READ_MODELS): DynamicModule {
    const eventStore = EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL });
    return {
      module: ProjectorModule,
      imports: [eventStore],
      controllers: [HealthController, ProjectorController],
      providers: [
        { provide: PROJECTOR_METRICS, useFactory: () => new ProjectorMetrics() },
        {
          provide: READ_MODEL_RUNNERS,
          inject: [EVENT_STORE, PROJECTOR_METRICS],
          useFactory: (store: EventStore, metrics: ProjectorMetrics) =>
            models.map(
              (model) =>
                new ReadModelRunner({
                  model,
                  store,
                  databaseUrl: databaseUrlOf(settings, model),
                  batchSize: settings.PROJECTOR_BATCH_SIZE,
                  unknownEventPolicy: settings.UNKNOWN_EVENT_POLICY,
                  metrics,
                }),
            ),
        },
        {
          provide: HEALTH_INDICATORS,
          inject: [EVENT_STORE_HEALTH, READ_MODEL_RUNNERS],
          useFactory: (
            eventStoreHealth: HealthIndicator,
            runners: readonly ReadModelRunner[],
          ): HealthIndicator[] => [
            eventStoreHealth,
            ...runners.map((runner) => ({
              name: `readModel:${runner.model.name}`,
              check: () => runner.health(),
            })),
          ],
        },
        RunnersLifecycle,
      ],
    };
  }
}
