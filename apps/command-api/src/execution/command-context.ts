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
  /**
   * "hmac-sha256:<key id>:<hex>" of the body's secret fields under COMMAND_DIGEST_KEY, when the body has
   * secrets and the key is set: a replay with another password is then COMMAND_ID_REUSED, and nothing a
   * dictionary attack could reverse is stored without the key.
   */
  readonly secretsDigest?: string;
  /** Whether a recorded outcome's digests (v2 and secrets, or the legacy bare digest) are this body's. */
  matchesRecorded(recorded: { readonly bodyDigest?: unknown; readonly secretsDigest?: unknown }): boolean;
}

/** What a command's definition answers on success: the aggregate's id and its stream revision after it. */
export interface CommandResult {
  readonly id: string;
  readonly revision: number;
  /** What else the reply carries for this command (a new authority's certificatePem). */
  readonly [field: string]: unknown;
}
