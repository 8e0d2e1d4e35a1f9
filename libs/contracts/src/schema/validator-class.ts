import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { BodyShape, FieldSpec } from './fields';
import { INSTANT, NO_CONTROL_CHARACTERS, TRIMMED } from './json-schema';

type Constructor = new () => object;

/**
 * The class-validator class of a body shape, built once per command at start-up: its decorators are applied
 * programmatically from the shape, so the schema is written once and class-validator still does the work.
 */
export function validatorClass(name: string, shape: BodyShape): Constructor {
  const Body = { [name]: class {} }[name] as Constructor;
  for (const [property, { spec }] of Object.entries(shape)) decorate(Body, property, spec, name);
  return Body;
}

function decorate(target: Constructor, property: string, spec: FieldSpec, ownerName: string): void {
  const apply = (decorator: PropertyDecorator) => decorator(target.prototype, property);
  // Absent (when optional) or null (when nullable) values skip the other rules; anything else meets them.
  if (spec.optional || spec.nullable) {
    apply(
      ValidateIf(
        (_object, value) => !((spec.optional && value === undefined) || (spec.nullable && value === null)),
      ),
    );
  }
  for (const decorator of rules(spec, property, {})) apply(decorator);
  // One spelling per id: the streams and rows an id names are keyed by its lowercase form. (Regression: an
  // id sent in upper case registered a second user under the same UUID, and the projector halted on it.)
  if (spec.kind === 'uuid') apply(Transform(({ value }) => lowercase(value)));
  if (spec.kind === 'array' && spec.items.spec.kind === 'uuid')
    apply(Transform(({ value }) => (Array.isArray(value) ? value.map(lowercase) : value)));
  if (spec.kind === 'object') {
    const nested = validatorClass(`${ownerName}_${property}`, spec.shape);
    apply(IsObject({ message: `${property} must be an object` }));
    apply(ValidateNested());
    apply(Type(() => nested));
  }
  if (spec.kind === 'array') {
    const items = spec.items.spec;
    if (items.kind === 'object') {
      const nested = validatorClass(`${ownerName}_${property}_item`, items.shape);
      apply(ValidateNested({ each: true }));
      apply(Type(() => nested));
    } else {
      for (const decorator of rules(items, property, { each: true })) apply(decorator);
    }
  }
}

/** The scalar rules of a spec; `each` applies them to every item of an array. */
function rules(spec: FieldSpec, property: string, options: ValidationOptions): PropertyDecorator[] {
  const each = options.each ? 'each item of ' : '';
  const message = (text: string) => ({ ...options, message: `${each}${property} ${text}` });
  switch (spec.kind) {
    case 'text':
      return [
        IsString(options),
        ...(spec.minLength !== undefined ? [MinLength(spec.minLength, options)] : []),
        MaxLength(spec.maxLength, options),
        ...(spec.trimmed ? [Matches(TRIMMED, message('must not start or end with white space'))] : []),
        ...(spec.noControlCharacters
          ? [Matches(NO_CONTROL_CHARACTERS, message('must not contain control or format characters'))]
          : []),
        ...(spec.pattern
          ? [Matches(new RegExp(spec.pattern.source, 'u'), message(spec.pattern.description))]
          : []),
      ];
    case 'uuid':
      return [IsUUID('all', message('must be a UUID'))];
    case 'email':
      return [
        IsString(options),
        MaxLength(spec.maxLength, options),
        IsEmail({}, message('must be an email address')),
        Matches(NO_CONTROL_CHARACTERS, message('must not contain control or format characters')),
      ];
    case 'enum':
      return [IsIn([...spec.values], message(spec.message ?? `must be one of ${spec.values.join(', ')}`))];
    case 'integer':
      return [IsInt(options), Min(spec.minimum, options), Max(spec.maximum, options)];
    case 'boolean':
      return [IsBoolean(options)];
    case 'instant':
      return [
        IsString(options),
        Matches(INSTANT, message('must be an ISO-8601 instant with a time zone (e.g. 2026-12-01T00:00:00Z)')),
      ];
    case 'object':
      return [];
    case 'array':
      return [
        IsArray(options),
        ...(spec.minItems > 0 ? [ArrayMinSize(spec.minItems, options)] : []),
        ArrayMaxSize(spec.maxItems, options),
      ];
  }
}

function lowercase(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}
