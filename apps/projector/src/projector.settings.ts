import { IsIn, IsString, Matches } from 'class-validator';
import { CommonSettings, PortSetting, POSTGRES_URL, WholeNumberSetting } from '@certm3/app-runtime';
import { ReadModel } from '@certm3/projection';
import { READ_MODELS } from './read-models';

export class ProjectorSettings extends CommonSettings {
  /** Health, metrics and the operator's commands. */
  @PortSetting()
  PROJECTOR_HTTP_PORT = 3001;

  /** Most events applied in one transaction. */
  @WholeNumberSetting(1, 10_000)
  PROJECTOR_BATCH_SIZE = 500;

  /**
   * What to do with an event type this projector does not know (written by a newer command API): `halt`
   * (default) stops that model on it until the projector is upgraded or an operator skips it; `skip`
   * records it in projector_skipped_events and goes on. Types of this release's catalogue are never unknown:
   * each model handles or ignores every one of them, or it does not compile.
   */
  @IsIn(['halt', 'skip'], { message: 'must be halt or skip' })
  UNKNOWN_EVENT_POLICY: 'halt' | 'skip' = 'halt';
}

/**
 * The settings class for a set of models: ProjectorSettings plus one database URL setting per model, named
 * and defaulted by the model's definition (CERTM3_DATABASE_URL for certm3), validated like any other.
 */
export function projectorSettingsFor(models: readonly ReadModel[]): new () => ProjectorSettings {
  class WithModelDatabases extends ProjectorSettings {
    constructor() {
      super();
      for (const model of models)
        Object.defineProperty(this, model.database.setting, {
          value: model.database.defaultUrl,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
  }
  for (const model of models) {
    IsString()(WithModelDatabases.prototype, model.database.setting);
    Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })(
      WithModelDatabases.prototype,
      model.database.setting,
    );
  }
  return WithModelDatabases;
}

export const ProjectorSettingsWithModels = projectorSettingsFor(READ_MODELS);

/** The database URL a model's setting holds. */
export function databaseUrlOf(settings: ProjectorSettings, model: ReadModel): string {
  return (settings as unknown as Record<string, string>)[model.database.setting];
}
