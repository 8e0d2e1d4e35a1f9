/**
 * A command body's schema, written once as data. From it come: the body's TypeScript type (`BodyOf`), the
 * class-validator class that validates it (`validator-class.ts`), its JSON Schema for the AsyncAPI
 * document (`json-schema.ts`), the unknown-field check and the list of secret fields (kept out of digests
 * and logs). Rules are the read models' limits (VARCHAR(255), TEXT) and the domain's.
 */

export type JsonSchema = { readonly [key: string]: unknown };

interface FieldBase {
  readonly description?: string;
  readonly optional: boolean;
  readonly nullable: boolean;
  /** A secret (a password): never digested, logged or echoed; redacted in audits. */
  readonly secret: boolean;
}

export interface TextRules {
  readonly minLength?: number;
  readonly maxLength: number;
  /** Rejects control characters (C0, DEL, C1) and format characters (zero-width, bidi overrides). */
  readonly noControlCharacters?: boolean;
  /** Rejects leading or trailing white space. */
  readonly trimmed?: boolean;
  /** A regular expression the whole value must match (JSON Schema `pattern`), with what it means. */
  readonly pattern?: { readonly source: string; readonly description: string };
}

export type FieldSpec =
  | (FieldBase & { readonly kind: 'text' } & TextRules)
  | (FieldBase & { readonly kind: 'uuid' })
  | (FieldBase & { readonly kind: 'email'; readonly maxLength: number })
  | (FieldBase & { readonly kind: 'enum'; readonly values: readonly string[]; readonly message?: string })
  | (FieldBase & { readonly kind: 'integer'; readonly minimum: number; readonly maximum: number })
  | (FieldBase & { readonly kind: 'boolean' })
  | (FieldBase & { readonly kind: 'instant' })
  | (FieldBase & { readonly kind: 'object'; readonly shape: BodyShape })
  | (FieldBase & {
      readonly kind: 'array';
      readonly items: Field<unknown>;
      readonly minItems: number;
      readonly maxItems: number;
    });

/** A field: its spec, and (as a phantom) the TypeScript type of its value. */
export class Field<T> {
  declare readonly __value: T;
  constructor(readonly spec: FieldSpec) {}

  /** May be left out. */
  optional(): Field<T | undefined> {
    return new Field({ ...this.spec, optional: true });
  }

  /** May be null (it must still be present unless also optional). */
  nullable(): Field<T | null> {
    return new Field({ ...this.spec, nullable: true });
  }

  /** Holds a secret: left out of the body digest, never logged, redacted by the audit tools. */
  secret(): Field<T> {
    return new Field({ ...this.spec, secret: true });
  }

  describe(description: string): Field<T> {
    return new Field({ ...this.spec, description });
  }
}

export type BodyShape = { readonly [name: string]: Field<unknown> };

type OptionalKeys<S extends BodyShape> = {
  [K in keyof S]: undefined extends S[K]['__value'] ? K : never;
}[keyof S];

/** The TypeScript type of a body with this shape. */
export type BodyOf<S extends BodyShape> = {
  -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: S[K]['__value'];
} & {
  -readonly [K in OptionalKeys<S>]?: Exclude<S[K]['__value'], undefined>;
};

const base = { optional: false, nullable: false, secret: false } as const;

export const field = {
  text: (rules: TextRules): Field<string> => new Field({ ...base, kind: 'text', ...rules }),
  uuid: (): Field<string> => new Field({ ...base, kind: 'uuid' }),
  email: (maxLength = 255): Field<string> => new Field({ ...base, kind: 'email', maxLength }),
  oneOf: <const V extends readonly string[]>(values: V, message?: string): Field<V[number]> =>
    new Field({ ...base, kind: 'enum', values, message }),
  integer: (minimum: number, maximum: number): Field<number> =>
    new Field({ ...base, kind: 'integer', minimum, maximum }),
  boolean: (): Field<boolean> => new Field({ ...base, kind: 'boolean' }),
  /** An ISO-8601 instant with a zone (e.g. 2026-12-01T00:00:00Z). */
  instant: (): Field<string> => new Field({ ...base, kind: 'instant' }),
  object: <S extends BodyShape>(shape: S): Field<BodyOf<S>> => new Field({ ...base, kind: 'object', shape }),
  array: <T>(items: Field<T>, limits: { minItems?: number; maxItems: number }): Field<T[]> =>
    new Field({ ...base, kind: 'array', items, minItems: limits.minItems ?? 0, maxItems: limits.maxItems }),
};

/** Paths of the secret fields of a shape (`password`, `subject.secret`, `items[].key`). */
export function secretPaths(shape: BodyShape, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([name, { spec }]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (spec.secret) return [path];
    if (spec.kind === 'object') return secretPaths(spec.shape, path);
    if (spec.kind === 'array' && spec.items.spec.kind === 'object')
      return secretPaths(spec.items.spec.shape, `${path}[]`);
    return [];
  });
}

/** A copy of `body` without its secret fields: what may be digested, logged or stored. */
export function withoutSecrets(shape: BodyShape, body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const declared = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key].spec : undefined;
    if (declared?.secret) continue;
    if (declared?.kind === 'object') result[key] = withoutSecrets(declared.shape, value);
    else if (declared?.kind === 'array' && declared.items.spec.kind === 'object' && Array.isArray(value)) {
      const itemShape = declared.items.spec.shape;
      result[key] = value.map((item) => withoutSecrets(itemShape, item));
    } else result[key] = value;
  }
  return result;
}

/** Only the secret fields of `body` (at any depth), or undefined when it holds none. */
export function secretsOf(shape: BodyShape, body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const found: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const declared = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key].spec : undefined;
    if (!declared || value === undefined) continue;
    if (declared.secret) found[key] = value;
    else if (declared.kind === 'object') {
      const inner = secretsOf(declared.shape, value);
      if (inner) found[key] = inner;
    } else if (declared.kind === 'array' && declared.items.spec.kind === 'object' && Array.isArray(value)) {
      const itemShape = declared.items.spec.shape;
      const inner = value.map((item) => secretsOf(itemShape, item) ?? null);
      if (inner.some((item) => item !== null)) found[key] = inner;
    }
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/**
 * Every property of `body` the shape does not declare, as a dotted path — `__proto__` and `constructor`
 * included, which JSON.parse makes own properties and class-transformer would drop without a word.
 */
export function undeclaredFields(shape: BodyShape, body: unknown, prefix = ''): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const found: string[] = [];
  for (const key of Object.keys(body)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      found.push(path);
      continue;
    }
    const value = (body as Record<string, unknown>)[key];
    const spec = shape[key].spec;
    if (spec.kind === 'object') found.push(...undeclaredFields(spec.shape, value, path));
    if (spec.kind === 'array' && spec.items.spec.kind === 'object' && Array.isArray(value)) {
      const itemShape = spec.items.spec.shape;
      value.forEach((item, index) => found.push(...undeclaredFields(itemShape, item, `${path}[${index}]`)));
    }
  }
  return found;
}
