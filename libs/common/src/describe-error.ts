/**
 * An error as a log line wants it: message, name, code, stack and cause chain. Logs of an unexpected
 * failure keep the stack; a reply never carries this (it names the correlation id instead).
 */
export interface DescribedError {
  readonly message: string;
  readonly name?: string;
  readonly code?: string;
  readonly stack?: string;
  readonly cause?: DescribedError;
}

export function describeError(error: unknown, depth = 0): DescribedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    message: error.message,
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(cause !== undefined && depth < 5 ? { cause: describeError(cause, depth + 1) } : {}),
  };
}

/** Just the message, for replies and health reports. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
