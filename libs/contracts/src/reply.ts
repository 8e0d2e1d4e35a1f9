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
      readonly data: { readonly id: string; readonly revision: number; readonly [key: string]: unknown };
    }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: ErrorCode;
        readonly message: string;
        readonly details: readonly ErrorDetail[];
      };
    };
