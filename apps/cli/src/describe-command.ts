import { BodyShape, COMMANDS, CommandName, FieldSpec } from '@certm3/contracts';

/** A command's contract for people: what it does, who may send it, and every body field with its rules. */
export function describeCommand(name: CommandName): string {
  const contract = COMMANDS[name];
  const permission =
    typeof contract.permission === 'string'
      ? `permission: ${contract.permission}${contract.selfService ? ` (not needed when ${contract.selfService})` : ''}`
      : `no actor: ${contract.permission.unauthenticated}`;
  return [
    `${name}: ${contract.summary}`,
    permission,
    'body:',
    ...describeShape(contract.body, '  '),
    contract.refusals.length > 0 ? `refusals: ${contract.refusals.join(', ')}` : 'refusals: none',
  ].join('\n');
}

function describeShape(shape: BodyShape, indent: string): string[] {
  return Object.entries(shape).flatMap(([field, { spec }]) => [
    `${indent}${field}${spec.optional ? '?' : ''}: ${describeSpec(spec)}${spec.nullable ? ' or null' : ''}${
      spec.secret ? ' (secret: never logged, digested or replied)' : ''
    }${spec.description ? ` — ${spec.description}` : ''}`,
    ...(spec.kind === 'object' ? describeShape(spec.shape, `${indent}  `) : []),
  ]);
}

function describeSpec(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'text':
      return `text, ${spec.minLength ?? 0}–${spec.maxLength} characters${
        spec.noControlCharacters ? ', no control or format characters' : ''
      }${spec.trimmed ? ', no leading or trailing white space' : ''}`;
    case 'uuid':
      return 'UUID';
    case 'email':
      return `email address, at most ${spec.maxLength} characters`;
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'integer':
      return `whole number ${spec.minimum}–${spec.maximum}`;
    case 'boolean':
      return 'true or false';
    case 'instant':
      return 'ISO-8601 instant with a time zone';
    case 'object':
      return 'object';
    case 'array':
      return `list of ${spec.minItems}–${spec.maxItems} × ${describeSpec(spec.items.spec)}`;
  }
}
