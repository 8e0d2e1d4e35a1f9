/**
 * A function the read model's schema holds: a trigger function, or one dashboards call. Schema sync
 * replaces it (CREATE OR REPLACE) whenever its body differs from this.
 */
export interface FunctionDefinition {
  readonly name: string;
  /** As in CREATE FUNCTION's parentheses: `''`, `'position text'`. */
  readonly arguments: string;
  readonly returns: string;
  readonly language: 'plpgsql' | 'sql';
  readonly volatility: 'VOLATILE' | 'STABLE' | 'IMMUTABLE';
  /**
   * The body. Bare names resolve against the caller's search_path when it runs; a function dashboards call
   * from anywhere names its tables with the schema it is created in, hence the function form.
   */
  readonly body: string | ((schema: string) => string);
}

export function defineFunction(
  name: string,
  spec: Omit<FunctionDefinition, 'name' | 'arguments' | 'volatility'> &
    Partial<Pick<FunctionDefinition, 'arguments' | 'volatility'>>,
): FunctionDefinition {
  return { name, arguments: '', volatility: 'VOLATILE', ...spec };
}

export function functionBody(definition: FunctionDefinition, schema: string): string {
  return typeof definition.body === 'string' ? definition.body : definition.body(schema);
}

export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

export interface TriggerSpec {
  readonly timing: 'BEFORE' | 'AFTER';
  readonly events: readonly TriggerEvent[];
  readonly forEach: 'ROW' | 'STATEMENT';
  /** A function of the same model, created in the same schema as the table. */
  readonly execute: FunctionDefinition;
  /** A WHEN condition, as SQL. */
  readonly when?: string;
}

export interface TriggerDefinition extends TriggerSpec {
  readonly name: string;
}

/** A view over the model's tables. Its SQL names them bare; it is created with its schema on the search path. */
export interface ViewDefinition {
  readonly name: string;
  readonly sql: string;
}

export function defineView(name: string, sql: string): ViewDefinition {
  return { name, sql };
}
