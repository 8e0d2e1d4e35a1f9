import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/** Thrown at start-up; its message names every variable that is missing or malformed, and why. */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly { variable: string; problem: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable} ${p.problem}`).join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Reads the environment into a class whose fields are the variable names, applying its defaults and
 * class-validator rules. Unknown variables are ignored: the environment holds far more than our settings.
 */
export function loadConfig<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv): T {
  const defaults = new schema();
  const provided = Object.fromEntries(
    Object.keys(defaults)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const config = plainToInstance(schema, { ...defaults, ...provided }, { enableImplicitConversion: true });
  const errors = validateSync(config, {
    whitelist: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  });
  if (errors.length > 0) {
    const problems = errors.flatMap(describe).sort((a, b) => a.variable.localeCompare(b.variable));
    throw new ConfigurationError(problems);
  }
  return Object.freeze(config);
}

function describe(error: ValidationError): { variable: string; problem: string }[] {
  const problems = Object.values(error.constraints ?? {}).map((message) => ({
    variable: error.property,
    // class-validator's messages start with the property name; keep only the rule.
    problem: message.startsWith(error.property) ? message.slice(error.property.length).trim() : message,
  }));
  return problems.length > 0 ? problems : [{ variable: error.property, problem: 'is invalid' }];
}
