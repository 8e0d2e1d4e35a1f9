/** Who asked for what: taken from the NATS headers, carried into every event's metadata. */
export interface CommandContext {
  readonly commandName: string;
  readonly commandId: string;
  readonly correlationId: string;
  /** Undefined for a command without an actor (bootstrap), until its definition names who acts. */
  readonly actorId: string | undefined;
  /**
   * "v2:" + SHA-256 of the body's canonical JSON without its secret fields (a password never feeds a fast
   * hash that is stored): a reused command id with another body is recognised by it.
   */
  readonly bodyDigest: string;
  /** Whether a recorded digest (v2, or the legacy bare digest of the whole body) is this body's. */
  matchesRecordedDigest(recorded: unknown): boolean;
}

/** What a command's definition answers on success: the aggregate's id and its stream revision after it. */
export interface CommandResult {
  readonly id: string;
  readonly revision: number;
}
