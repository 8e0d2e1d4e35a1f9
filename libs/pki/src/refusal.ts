/**
 * The one shape both refusals share, so a caller maps either to a reply the same way: a stable `code`, and
 * `details` that each name the broken rule with JSON-safe facts (numbers as strings when they can be big).
 */
export interface RefusalDetail<Rule extends string> {
  readonly rule: Rule;
  readonly message: string;
  readonly [key: string]: unknown;
}

export class Refusal<Code extends string, Rule extends string> extends Error {
  constructor(
    readonly code: Code,
    what: string,
    readonly details: readonly RefusalDetail<Rule>[],
  ) {
    super(`${what} was refused: ${details.map((d) => d.message).join('; ')}`);
  }
}
