import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { CommonSettings, POSTGRES_URL } from '@certm3/app-runtime';

const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

export class ProjectorSettings extends CommonSettings {
  override HTTP_PORT = 3001;

  /** The read models' own database, separate from the event store's. Created if missing. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  CERTM3_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3';

  /** Most events applied in one transaction. */
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 10000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000' })
  @Max(10_000, { message: 'must be a whole number from 1 to 10000' })
  PROJECTOR_BATCH_SIZE = 500;

  /**
   * What to do with an event type this projector does not know (written by a newer command API):
   * `halt` (default) stops on it until the projector is upgraded or an operator skips it; `skip` records it
   * in projector_skipped_events and goes on.
   */
  @IsIn(['halt', 'skip'], { message: 'must be halt or skip' })
  UNKNOWN_EVENT_POLICY: 'halt' | 'skip' = 'halt';
}
