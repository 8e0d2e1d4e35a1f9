/** Who asked for what: taken from the NATS headers, carried into every event's metadata. */
export interface CommandContext {
  readonly commandName: string;
  readonly commandId: string;
  readonly correlationId: string;
  /** Undefined only for BootstrapAdministrator, whose new user becomes its own actor. */
  readonly actorId: string | undefined;
  /** Canonical digest of the body, so a reused command id with another body is recognised. */
  readonly bodyDigest: string;
}

/** What a handler answers on success: the aggregate's id and its stream revision after the command. */
export interface CommandResult {
  readonly id: string;
  readonly revision: number;
}
