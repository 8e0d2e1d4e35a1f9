import { BodyShape, Field, FieldSpec, JsonSchema } from './fields';

/**
 * Control characters (C0, DEL, C1) and format characters (zero-width spaces and joiners, bidirectional
 * overrides, BOM) refused by `noControlCharacters`: a name like "users\u200b" or one behind U+202E looked
 * like another. One source for the rule and the docs.
 */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cf}]*$/u;
/** No leading or trailing white space (`trimmed`). */
export const TRIMMED = /^\S(.*\S)?$/u;
/** An ISO-8601 instant with seconds optional, fraction optional, and a zone. */
export const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The JSON Schema (draft 2020-12 vocabulary, as AsyncAPI 3 uses it) of a body shape. */
export function bodyJsonSchema(shape: BodyShape): JsonSchema {
  const required = Object.entries(shape)
    .filter(([, field]) => !field.spec.optional)
    .map(([name]) => name);
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.entries(shape).map(([name, field]) => [name, fieldJsonSchema(field)]),
    ),
    ...(required.length > 0 ? { required } : {}),
  };
}

function fieldJsonSchema(field: Field<unknown>): JsonSchema {
  const { spec } = field;
  const schema: Record<string, unknown> = { ...valueSchema(spec) };
  if (spec.nullable) {
    if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
    schema.type = [schema.type, 'null'];
  }
  if (spec.secret) schema.writeOnly = true;
  if (spec.description) schema.description = spec.description;
  return schema;
}

function valueSchema(spec: FieldSpec): JsonSchema {
  switch (spec.kind) {
    case 'text': {
      const patterns = [
        spec.noControlCharacters ? 'no control or format characters' : undefined,
        spec.trimmed ? 'no leading or trailing white space' : undefined,
      ].filter(Boolean);
      return {
        type: 'string',
        ...(spec.minLength !== undefined ? { minLength: spec.minLength } : {}),
        maxLength: spec.maxLength,
        ...(spec.pattern ? { pattern: spec.pattern.source } : {}),
        ...(patterns.length > 0 || spec.pattern
          ? { 'x-rules': [...patterns, ...(spec.pattern ? [spec.pattern.description] : [])] }
          : {}),
      };
    }
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'email':
      return { type: 'string', format: 'email', maxLength: spec.maxLength };
    case 'enum':
      return { type: 'string', enum: [...spec.values] };
    case 'integer':
      return { type: 'integer', minimum: spec.minimum, maximum: spec.maximum };
    case 'boolean':
      return { type: 'boolean' };
    case 'instant':
      return { type: 'string', format: 'date-time' };
    case 'object':
      return bodyJsonSchema(spec.shape);
    case 'array':
      return {
        type: 'array',
        items: fieldJsonSchema(spec.items),
        ...(spec.minItems > 0 ? { minItems: spec.minItems } : {}),
        maxItems: spec.maxItems,
      };
  }
}
