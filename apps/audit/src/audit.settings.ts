import { IsIn, IsOptional } from 'class-validator';
import { CommonSettings, WholeNumberSetting } from '@certm3/app-runtime';

/** What the audit CLI reads from the environment (EVENT_STORE_URL and LOG_LEVEL come with CommonSettings). */
export class AuditSettings extends CommonSettings {
  /** How long export and verify wait at the log's end for transactions older than them (milliseconds). */
  @WholeNumberSetting(0, 3_600_000, 'must be a whole number of milliseconds up to 3600000')
  AUDIT_SETTLE_MS = 5_000;

  /** "1": the export's summary line also reports its peak memory (the export memory test reads it). */
  @IsOptional()
  @IsIn(['0', '1'], { message: 'must be 0 or 1' })
  CERTM3_AUDIT_REPORT_MEMORY?: string = undefined;
}
