/** Progress goes to stderr, so that stdout carries only the table or, with BENCH_ONLY, the JSON. */
export const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
