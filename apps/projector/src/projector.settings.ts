import { IsString, Matches } from 'class-validator';
import { CommonSettings, POSTGRES_URL } from '@certm3/app-runtime';

export class ProjectorSettings extends CommonSettings {
  override HTTP_PORT = 3001;

  /** The read models' own database, separate from the event store's. Created if missing. */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  CERTM3_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3';
}
