import { createHash, createHmac, randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { canonicalJson, isUuid } from '@certm3/common';
import {
  BodyShape,
  COMMAND_NAMES,
  COMMANDS,
  CommandName,
  CommandReply,
  ErrorDetail,
  HEADERS,
  isCommandName,
  MAX_BODY_DEPTH,
  MAX_COMMAND_BYTES,
  secretsOf,
  undeclaredFields,
  validatorClass,
  withoutSecrets,
} from '@certm3/contracts';
import { ERROR_CODES, isLegacyBodyDigest } from '@certm3/domain';
import { findUnstorableText } from '@certm3/event-store';
import { CommandContext } from '../execution/command-context';
import { failure } from '../execution/command-executor';

export interface IncomingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  header(name: string): string | undefined;
}

export type ParsedCommand =
  | { ok: true; name: CommandName; body: object; context: CommandContext }
  | { ok: false; reply: CommandReply; correlationId: string };

/** The class-validator class of every command's body, built once from its contract. */
const VALIDATORS = new Map(
  COMMAND_NAMES.map((name) => [name, validatorClass(`${name}Body`, COMMANDS[name].body)] as const),
);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * At most this many details in a refusal, each field path at most MAX_FIELD_PATH characters: a 64 KiB body
 * with a NUL in each of seven thousand nested strings made a 1.7 MB reply, more than NATS carries.
 */
const MAX_DETAILS = 20;
const MAX_FIELD_PATH = 200;

/**
 * Everything between the wire and the executor: the subject names the command, the headers say who sends
 * it and under which idempotency key, the body must be strict UTF-8 JSON, nested no deeper than
 * MAX_BODY_DEPTH, an object that meets the command's contract — no field it does not declare (`__proto__`
 * and `constructor` included). Each way of failing has its own code; nothing here touches the event store.
 */
export async function parseCommandMessage(
  message: IncomingMessage,
  subjectPrefix: string,
  /** COMMAND_DIGEST_KEY: keys the digest of a body's secret fields (none is recorded without it). */
  digestKey?: string,
): Promise<ParsedCommand> {
  const correlationHeader = message.header(HEADERS.correlationId);
  const correlationId = isUuid(correlationHeader) ? correlationHeader.toLowerCase() : randomUUID();
  const reject = (reply: CommandReply): ParsedCommand => ({ ok: false, reply, correlationId });
  const malformed = (message: string, problem: string) =>
    reject(failure('MALFORMED_MESSAGE', message, [{ field: 'body', problems: [problem] }]));

  const name = message.subject.startsWith(`${subjectPrefix}.cmd.`)
    ? message.subject.slice(`${subjectPrefix}.cmd.`.length)
    : message.subject;
  if (!isCommandName(name)) {
    return reject(
      failure('UNKNOWN_COMMAND', `no command named "${name}"`, [{ field: 'subject', known: COMMAND_NAMES }]),
    );
  }
  const contract = COMMANDS[name];

  if (message.data.length > MAX_COMMAND_BYTES) {
    return malformed(
      `the body is ${message.data.length} bytes; at most ${MAX_COMMAND_BYTES} are accepted`,
      'too large',
    );
  }

  const headerProblems: ErrorDetail[] = [];
  const commandId = message.header(HEADERS.commandId);
  if (!commandId)
    headerProblems.push({ field: HEADERS.commandId, problems: ['is required (the idempotency key)'] });
  else if (!isUuid(commandId))
    headerProblems.push({ field: HEADERS.commandId, problems: ['must be a UUID'] });
  const actorId = message.header(HEADERS.actorId);
  if (contract.actor === 'required' && !actorId)
    headerProblems.push({ field: HEADERS.actorId, problems: ['is required'] });
  else if (actorId && !isUuid(actorId))
    headerProblems.push({ field: HEADERS.actorId, problems: ['must be a UUID'] });
  if (correlationHeader && !isUuid(correlationHeader)) {
    headerProblems.push({ field: HEADERS.correlationId, problems: ['must be a UUID when given'] });
  }
  if (headerProblems.length > 0) {
    return reject(failure('MALFORMED_MESSAGE', 'missing or malformed headers', headerProblems));
  }

  let text: string;
  try {
    // Not the lenient decoding that turns bad bytes into U+FFFD and stores them.
    text = STRICT_UTF8.decode(message.data);
  } catch {
    return malformed('the body is not valid UTF-8', 'must be UTF-8 encoded JSON');
  }
  const depth = nestingDepth(text);
  if (depth > MAX_BODY_DEPTH) {
    return malformed(
      `the body is nested ${depth} deep; at most ${MAX_BODY_DEPTH} levels are accepted`,
      'nested too deep',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed('the body is not JSON', 'must be a JSON object');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return malformed('the body must be a JSON object', 'must be a JSON object');
  }

  // PostgreSQL cannot store the NUL character or an unpaired surrogate in text or jsonb (nor will the event
  // store take them): refused here, naming the fields that hold them, rather than when events are written.
  const unstorable = fieldsWithUnstorableText(json);
  if (unstorable.length > 0) {
    return reject(
      failure(
        'VALIDATION_FAILED',
        ERROR_CODES.VALIDATION_FAILED,
        bounded(
          unstorable.map(({ field, problem }) => ({
            field,
            problems: [`${field} must not contain ${problem}`],
          })),
        ),
      ),
    );
  }

  const undeclared = undeclaredFields(contract.body, json);
  const body = plainToInstance(VALIDATORS.get(name)!, declaredOnly(contract.body, json)) as object;
  // A body with no fields at all (RotateEncryptionKey's) has nothing to validate: class-validator calls a
  // class without rules an unknown value.
  const errors =
    Object.keys(contract.body).length === 0 ? [] : await validate(body, { forbidUnknownValues: true });
  const details = [
    ...undeclared.map((field) => ({ field, problems: [`property ${field} should not exist`] })),
    ...errors.flatMap((error) => describe(error)),
  ];
  if (details.length > 0)
    return reject(failure('VALIDATION_FAILED', ERROR_CODES.VALIDATION_FAILED, bounded(details)));

  // Over the body as validated (ids in their one lowercase spelling), so equal commands digest equally.
  const bodyDigest = digestV2(contract.body, body);
  const secretsDigest = digestKey ? keyedSecretsDigest(contract.body, body, digestKey) : undefined;
  return {
    ok: true,
    name,
    body,
    context: {
      commandName: name,
      commandId: commandId!.toLowerCase(),
      correlationId,
      actorId: actorId?.toLowerCase(),
      bodyDigest,
      ...(secretsDigest ? { secretsDigest } : {}),
      matchesRecorded: (recorded) => {
        if (isLegacyBodyDigest(recorded.bodyDigest)) return recorded.bodyDigest === legacyDigest(json);
        if (recorded.bodyDigest !== bodyDigest) return false;
        // Secrets are compared only under the key that digested them; without it a replay with other
        // secrets cannot be told from a true one, and is answered as one.
        const recordedSecrets =
          typeof recorded.secretsDigest === 'string' ? recorded.secretsDigest : undefined;
        if (!recordedSecrets || !digestKey) return true;
        const [, recordedKey] = recordedSecrets.split(':');
        return recordedKey !== keyIdOf(digestKey) || recordedSecrets === secretsDigest;
      },
    },
  };
}

/**
 * How deep arrays and objects nest in a JSON text, without parsing it (strings skipped, escapes honoured).
 * A parse of a body nested ten thousand deep succeeds; every recursive step after it overflows the stack.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const character = text.charCodeAt(index);
    if (inString) {
      if (character === 0x5c /* \ */) index++;
      else if (character === 0x22 /* " */) inString = false;
    } else if (character === 0x22) inString = true;
    else if (character === 0x7b /* { */ || character === 0x5b /* [ */) deepest = Math.max(deepest, ++depth);
    else if (character === 0x7d /* } */ || character === 0x5d /* ] */) depth--;
  }
  return deepest;
}

/** The first MAX_DETAILS details, paths shortened, and how many more there were. */
function bounded(details: readonly ErrorDetail[]): ErrorDetail[] {
  const shown = details.slice(0, MAX_DETAILS).map((detail) => {
    const field = detail.field;
    if (field === undefined || field.length <= MAX_FIELD_PATH) return detail;
    const short = `${field.slice(0, MAX_FIELD_PATH)}…`;
    return {
      field: short,
      problems: (detail.problems ?? []).map((problem) => problem.replace(field, short)),
    };
  });
  return details.length > MAX_DETAILS
    ? [...shown, { field: 'body', problems: [`and ${details.length - MAX_DETAILS} more problems`] }]
    : shown;
}

/** The body with only the fields its contract declares (the others are reported, never transformed). */
function declaredOnly(shape: BodyShape, value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!Object.prototype.hasOwnProperty.call(shape, key)) continue;
    const spec = shape[key].spec;
    if (spec.kind === 'object') result[key] = declaredOnly(spec.shape, inner);
    else if (spec.kind === 'array' && spec.items.spec.kind === 'object' && Array.isArray(inner)) {
      const itemShape = spec.items.spec.shape;
      result[key] = inner.map((item) => declaredOnly(itemShape, item));
    } else result[key] = inner;
  }
  return result;
}

function fieldsWithUnstorableText(body: unknown): { field: string; problem: string }[] {
  const fields: { field: string; problem: string }[] = [];
  findUnstorableText(body, '', ({ path, key, problem }) => {
    const field = key === undefined ? path || 'body' : path ? `${path}.${key}` : key;
    fields.push({ field, problem });
  });
  return fields;
}

function describe(error: ValidationError, prefix = ''): ErrorDetail[] {
  const field = prefix ? `${prefix}.${error.property}` : error.property;
  const own = error.constraints
    ? [{ field, problems: Object.values(error.constraints) }]
    : error.children && error.children.length > 0
      ? []
      : [{ field, problems: [`${field} is invalid`] }];
  return [...own, ...(error.children ?? []).flatMap((child) => describe(child, field))];
}

/**
 * "v2:" + SHA-256 of the body's canonical JSON without its secret fields. The digest is stored (in the
 * command's outcome) and exported: a fast hash over a password is a password to a dictionary attack.
 */
function digestV2(shape: BodyShape, body: unknown): string {
  return `v2:${createHash('sha256')
    .update(canonicalJson(withoutSecrets(shape, body)))
    .digest('hex')}`;
}

/** A short public name for a key (it says which key digested, and nothing about the key). */
function keyIdOf(key: string): string {
  return createHash('sha256').update(`certm3 command digest key id:${key}`).digest('hex').slice(0, 12);
}

/** HMAC-SHA256 of the body's secret fields under the server's key; undefined when the body holds none. */
function keyedSecretsDigest(shape: BodyShape, body: object, key: string): string | undefined {
  const secrets = secretsOf(shape, body);
  if (secrets === undefined) return undefined;
  const mac = createHmac('sha256', key).update(canonicalJson(secrets)).digest('hex');
  return `hmac-sha256:${keyIdOf(key)}:${mac}`;
}

/** The digest outcomes recorded before 2026-12 hold; computed only to recognise a replay of such a command. */
function legacyDigest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
