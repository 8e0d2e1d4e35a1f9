import { DynamicModule, Module } from '@nestjs/common';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  healthIndicatorsProvider,
} from '@certm3/app-runtime';
import { ProjectorSettings } from './projector.settings';
import { READ_DATABASE_HEALTH, ReadDatabaseModule } from './read-database/read-database.module';
import { PROJECTION_HEALTH, ProjectionModule } from './runner/projection.module';

@Module({})
export class ProjectorModule {
  static forSettings(settings: ProjectorSettings): DynamicModule {
    const eventStore = EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL });
    const readDatabase = ReadDatabaseModule.forRoot(settings.CERTM3_DATABASE_URL);
    return {
      module: ProjectorModule,
      imports: [
        eventStore,
        readDatabase,
        {
          ...ProjectionModule.forRoot({
            databaseUrl: settings.CERTM3_DATABASE_URL,
            batchSize: settings.PROJECTOR_BATCH_SIZE,
            unknownEventPolicy: settings.UNKNOWN_EVENT_POLICY,
          }),
          imports: [eventStore, readDatabase],
        },
      ],
      controllers: [HealthController],
      providers: [healthIndicatorsProvider([EVENT_STORE_HEALTH, READ_DATABASE_HEALTH, PROJECTION_HEALTH])],
    };
  }
}
