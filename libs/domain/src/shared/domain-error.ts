import { ERROR_CODES, ErrorCode } from './error-codes';

/**
 * A refusal by the domain: a broken invariant or a command that makes no sense in the current state.
 * `code` is stable and machine-readable (it travels in replies); `message` is for people.
 */
export class DomainError<Code extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: readonly Record<string, unknown>[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function refuse(
  code: ErrorCode,
  message: string = ERROR_CODES[code],
  details?: readonly Record<string, unknown>[],
): never {
  throw new DomainError(code, message, details);
}
