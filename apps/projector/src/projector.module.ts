import { DynamicModule, Module } from '@nestjs/common';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  healthIndicatorsProvider,
} from '@certm3/app-runtime';
import { ProjectorSettings } from './projector.settings';
import { READ_DATABASE_HEALTH, ReadDatabaseModule } from './read-database/read-database.module';

@Module({})
export class ProjectorModule {
  static forSettings(settings: ProjectorSettings): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [
        EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL }),
        ReadDatabaseModule.forRoot(settings.CERTM3_DATABASE_URL),
      ],
      controllers: [HealthController],
      providers: [healthIndicatorsProvider([EVENT_STORE_HEALTH, READ_DATABASE_HEALTH])],
    };
  }
}
