import { IsIn, IsString, Matches } from 'class-validator';
import { CommonSettings, PortSetting, POSTGRES_URL, WholeNumberSetting } from '@certm3/app-runtime';

export class ProjectorSettings extends CommonSettings {
  /** Health, metrics and the operator's commands. */
  @PortSetting()
  PROJECTOR_HTTP_PORT = 3001;

  /** The read models' own database, separate from the event store's. Created if missing. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  CERTM3_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3';

  /** Most events applied in one transaction. */
  @WholeNumberSetting(1, 10_000)
  PROJECTOR_BATCH_SIZE = 500;

  /**
   * What to do with an event type this projector does not know (written by a newer command API):
   * `halt` (default) stops on it until the projector is upgraded or an operator skips it; `skip` records it
   * in projector_skipped_events and goes on.
   */
  @IsIn(['halt', 'skip'], { message: 'must be halt or skip' })
  UNKNOWN_EVENT_POLICY: 'halt' | 'skip' = 'halt';
}
