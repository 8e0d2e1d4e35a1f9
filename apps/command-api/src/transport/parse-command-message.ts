import { createHash, randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import {
  COMMAND_NAMES,
  COMMANDS_WITHOUT_ACTOR,
  CommandName,
  CommandReply,
  ErrorDetail,
  HEADERS,
  MAX_COMMAND_BYTES,
} from '@certm3/contracts';
import { ERROR_CODES } from '@certm3/domain';
import { findUnstorableText } from '@certm3/event-store';
import { COMMAND_REGISTRY } from '../commands/certm3-commands';
import { CommandContext } from '../execution/command-context';
import { failure } from '../execution/command-executor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IncomingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  header(name: string): string | undefined;
}

export type ParsedCommand =
  | { ok: true; name: CommandName; body: object; context: CommandContext }
  | { ok: false; reply: CommandReply; correlationId: string };

/**
 * Everything between the wire and the CommandBus: the subject names the command, the headers say who
 * sends it and under which idempotency key, the body must be a JSON object that satisfies the command's
 * schema. Each way of failing has its own code; nothing here touches the event store.
 */
export async function parseCommandMessage(
  message: IncomingMessage,
  subjectPrefix: string,
): Promise<ParsedCommand> {
  const correlationId = validUuidOr(message.header(HEADERS.correlationId)) ?? randomUUID();
  const reject = (reply: CommandReply): ParsedCommand => ({ ok: false, reply, correlationId });

  const name = message.subject.startsWith(`${subjectPrefix}.cmd.`)
    ? message.subject.slice(`${subjectPrefix}.cmd.`.length)
    : message.subject;
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
    return reject(
      failure('UNKNOWN_COMMAND', `no command named "${name}"`, [{ field: 'subject', known: COMMAND_NAMES }]),
    );
  }
  const commandName = name as CommandName;

  if (message.data.length > MAX_COMMAND_BYTES) {
    return reject(
      failure(
        'MALFORMED_MESSAGE',
        `the body is ${message.data.length} bytes; at most ${MAX_COMMAND_BYTES} are accepted`,
        [{ field: 'body', problems: ['too large'] }],
      ),
    );
  }

  const headerProblems: ErrorDetail[] = [];
  const commandId = message.header(HEADERS.commandId);
  if (!commandId)
    headerProblems.push({ field: HEADERS.commandId, problems: ['is required (the idempotency key)'] });
  else if (!UUID.test(commandId))
    headerProblems.push({ field: HEADERS.commandId, problems: ['must be a UUID'] });
  const actorId = message.header(HEADERS.actorId);
  const needsActor = !COMMANDS_WITHOUT_ACTOR.includes(commandName);
  if (needsActor && !actorId) headerProblems.push({ field: HEADERS.actorId, problems: ['is required'] });
  else if (actorId && !UUID.test(actorId))
    headerProblems.push({ field: HEADERS.actorId, problems: ['must be a UUID'] });
  const correlationHeader = message.header(HEADERS.correlationId);
  if (correlationHeader && !UUID.test(correlationHeader)) {
    headerProblems.push({ field: HEADERS.correlationId, problems: ['must be a UUID when given'] });
  }
  if (headerProblems.length > 0) {
    return reject(failure('MALFORMED_MESSAGE', 'missing or malformed headers', headerProblems));
  }

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(message.data).toString('utf8'));
  } catch {
    return reject(
      failure('MALFORMED_MESSAGE', 'the body is not JSON', [
        { field: 'body', problems: ['must be a JSON object'] },
      ]),
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject(
      failure('MALFORMED_MESSAGE', 'the body must be a JSON object', [
        { field: 'body', problems: ['must be a JSON object'] },
      ]),
    );
  }

  // PostgreSQL cannot store the NUL character or an unpaired surrogate in text or jsonb (nor will the event
  // store take them): refused here, naming the fields that hold them, rather than when events are written.
  const unstorable = fieldsWithUnstorableText(json);
  if (unstorable.length > 0) {
    return reject(
      failure(
        'VALIDATION_FAILED',
        ERROR_CODES.VALIDATION_FAILED,
        unstorable.map(({ field, problem }) => ({
          field,
          problems: [`${field} must not contain ${problem}`],
        })),
      ),
    );
  }

  const schema = COMMAND_REGISTRY[commandName].body;
  const body = plainToInstance(schema, json);
  const errors = await validate(body, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    return reject(failure('VALIDATION_FAILED', ERROR_CODES.VALIDATION_FAILED, errors.map(describe)));
  }

  return {
    ok: true,
    name: commandName,
    body,
    context: {
      commandName,
      commandId: commandId!.toLowerCase(),
      correlationId,
      actorId: actorId?.toLowerCase(),
      bodyDigest: digest(json),
    },
  };
}

function fieldsWithUnstorableText(body: unknown): { field: string; problem: string }[] {
  const fields: { field: string; problem: string }[] = [];
  findUnstorableText(body, '', ({ path, key, problem }) => {
    const field = key === undefined ? path || 'body' : path ? `${path}.${key}` : key;
    fields.push({ field, problem });
  });
  return fields;
}

function describe(error: ValidationError): ErrorDetail {
  return {
    field: error.property,
    problems: Object.values(error.constraints ?? { invalid: `${error.property} is invalid` }),
  };
}

function validUuidOr(value: string | undefined): string | undefined {
  return value && UUID.test(value) ? value.toLowerCase() : undefined;
}

/** SHA-256 of the body with keys sorted: the same command sent twice has the same digest. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
