/**
 * Exits once what was written to stdout and stderr has left the process. process.exit() right after a
 * large write to a pipe can cut the output short (the audit export lost 17 of 10,000 lines so, now and
 * then): a write's callback runs only after the writes queued before it.
 */
export function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
