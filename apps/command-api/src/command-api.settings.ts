import { NatsClientSettings, PortSetting, WholeNumberSetting } from '@certm3/app-runtime';

/** The command API's settings: the common ones, NATS's (NatsClientSettings), and its own. */
export class CommandApiSettings extends NatsClientSettings {
  /** Health and metrics. */
  @PortSetting()
  COMMAND_API_HTTP_PORT = 3000;

  /** Commands processed at once by this instance; further messages wait in the client's buffer. */
  @WholeNumberSetting(1, 10_000)
  COMMAND_MAX_IN_FLIGHT = 256;

  /** log2 of scrypt's N. 15 (32 MiB, tens of ms) by default; lower only for tests and benchmarks. */
  @WholeNumberSetting(10, 20)
  PASSWORD_SCRYPT_LOG2_COST = 15;
}
