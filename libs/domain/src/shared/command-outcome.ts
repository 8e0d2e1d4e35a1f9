/**
 * The recorded answer to one command id, in stream `command-<id>`: written by the executor with the command's
 * events (and alone for a refusal), so a repeated delivery of the id appends nothing and gets this answer.
 * `bodyDigest` is "v2:" + SHA-256 of the body's canonical JSON without its secret fields; records written
 * before 2026-12 hold a bare SHA-256 of the whole body, secrets included (see the catalog: redacted).
 */
export type CommandOutcomeEvent =
  | {
      type: 'CommandSucceeded';
      data: {
        commandName: string;
        bodyDigest: string;
        reply: { ok: true; data: Record<string, unknown> };
        target?: CommandTarget;
      };
    }
  | {
      type: 'CommandRejected';
      data: {
        commandName: string;
        bodyDigest: string;
        reply: { ok: false; error: { code: string; message: string; details: readonly unknown[] } };
        /** What the refused command was about, for the audit log (since 2026-12; optional). */
        target?: CommandTarget;
      };
    };

/** The resource a command acts on, as the audit log names it. */
export interface CommandTarget {
  readonly type:
    | 'user'
    | 'group'
    | 'certificate'
    | 'certificate_authority'
    | 'certificate_request'
    | 'policy'
    | 'encryption_key'
    | 'role'
    | 'organization'
    | 'notification'
    | 'system';
  readonly id: string;
}
