import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import {
  KeyVaultClientSettings,
  PortSetting,
  POSTGRES_URL,
  SwitchSetting,
  WholeNumberSetting,
} from '@certm3/app-runtime';

/** The command API's settings: the common ones, NATS's, the key vault's (KeyVaultClientSettings), and its own. */
export class CommandApiSettings extends KeyVaultClientSettings {
  /** Health and metrics. */
  @PortSetting()
  COMMAND_API_HTTP_PORT = 3000;

  /** Commands processed at once by this instance; further messages wait in the client's buffer. */
  @WholeNumberSetting(1, 10_000)
  COMMAND_MAX_IN_FLIGHT = 256;

  /** log2 of scrypt's N. 15 (32 MiB, tens of ms) by default; lower only for tests and benchmarks. */
  @WholeNumberSetting(10, 20)
  PASSWORD_SCRYPT_LOG2_COST = 15;

  /**
   * Keys the digest of a command's secret fields in its recorded outcome (HMAC-SHA256), so a command id
   * replayed with another password is COMMAND_ID_REUSED. The same on every instance, never in the event
   * store; unset, such a replay is answered as a true one. At least 32 characters (e.g. 32 random bytes in
   * base64).
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (e.g. openssl rand -base64 32)' })
  COMMAND_DIGEST_KEY?: string = undefined;

  /** Data keys re-wrapped per vault transaction during a key rotation. */
  @WholeNumberSetting(1, 10_000)
  KEY_REWRAP_BATCH_SIZE = 500;

  /** How often (ms) the key rotation process looks for work nobody told it about. */
  @WholeNumberSetting(100, 3_600_000)
  KEY_ROTATION_POLL_MS = 5_000;

  /**
   * Whether this instance takes part in the lifecycle work (expiry, auto-renewal, notifications): one
   * instance per event log leads it at a time, whichever of those that say true.
   */
  @SwitchSetting()
  LIFECYCLE_PROCESS_ENABLED = true;

  /**
   * The lifecycle process's own database (who leads, and how far notifications were made), created if
   * missing. One instance per event log leads the expiry, renewal and notification work; the others wait.
   */
  @IsString()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// URL' })
  LIFECYCLE_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/certm3_lifecycle';

  /** At most how late (seconds) a certificate is marked expiring or expired. */
  @WholeNumberSetting(1, 3_600)
  EXPIRY_CHECK_SECONDS = 30;

  /** Where notifications are also POSTed as JSON (signed with WEBHOOK_SECRET); unset, nowhere. */
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http:// or https:// URL' })
  WEBHOOK_URL?: string = undefined;

  /**
   * Keys the `certm3-signature` header of webhook deliveries (HMAC-SHA256 of the raw body). Required with
   * WEBHOOK_URL; at least 32 characters.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (e.g. openssl rand -base64 32)' })
  WEBHOOK_SECRET?: string = undefined;

  /** Webhook attempts per notification (backoff 2 s, 4 s, … up to an hour) before it is abandoned. */
  @WholeNumberSetting(1, 100)
  WEBHOOK_MAX_ATTEMPTS = 8;
}
