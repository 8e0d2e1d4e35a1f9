import type { ErrorCode } from '@certm3/domain';

export interface ErrorDetail {
  /** The field (body property or header) the problem is about, when there is one. */
  readonly field?: string;
  readonly problems?: readonly string[];
  readonly [key: string]: unknown;
}

export type CommandReply =
  | {
      readonly ok: true;
      readonly data: {
        readonly id: string;
        readonly revision: number;
        /**
         * The global log position of the command's last event ("<commit>/<prepare>"): a read model that
         * has applied it shows the command's effect (read-your-writes).
         */
        readonly position?: string;
        readonly [key: string]: unknown;
      };
    }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: ErrorCode;
        readonly message: string;
        readonly details: readonly ErrorDetail[];
      };
    };
