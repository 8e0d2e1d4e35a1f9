import { ERROR_CODES, NOTIFICATION_TYPES } from '@certm3/domain';
import {
  AUDIT_QUERIES,
  AUDIT_QUERY_PERMISSION,
  COMMAND_NAMES,
  COMMANDS,
  commandSubject,
  HEADERS,
  notificationSubject,
  pkiCrlSubject,
} from './commands';
import { bodyJsonSchema } from './schema/json-schema';

const uuid = (description?: string) => ({
  type: 'string',
  format: 'uuid',
  ...(description ? { description } : {}),
});

const AUDIT_DESCRIPTIONS: Record<(typeof AUDIT_QUERIES)[number], string> = {
  history:
    'Every event of one entity, in order, with actor, command and correlation ids; secrets redacted. Body: {kind: user|group|certificate, id}.',
  'state-at':
    "The entity as it was at an instant, folded from its events with the domain's own rules. Body: {kind, id, at (ISO-8601)}.",
  verify:
    'Checks the per-stream hash chains over the whole log and names the first broken link. Body: {}. May take long on a large log.',
};

/**
 * The AsyncAPI 3 document of the command API, generated from the contracts (`npm run docs:asyncapi` writes
 * docs/asyncapi.yaml; a test fails when the committed file differs from this).
 */
export function asyncApiDocument(): Record<string, unknown> {
  const reply = { $ref: '#/channels/replies/messages/CommandReply' };
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const name of COMMAND_NAMES) {
    const contract = COMMANDS[name];
    const permission =
      typeof contract.permission === 'string'
        ? `Requires permission ${contract.permission}${contract.selfService ? ` (except: ${contract.selfService})` : ''}.`
        : `No actor: ${contract.permission.unauthenticated}.`;
    channels[name] = {
      address: commandSubject(name),
      description: `${contract.summary} ${permission}`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[name] = {
      action: 'receive',
      channel: { $ref: `#/channels/${name}` },
      reply: { channel: { $ref: '#/channels/replies' }, messages: [reply] },
      'x-permission': contract.permission,
      ...(contract.selfService ? { 'x-self-service': contract.selfService } : {}),
    };
    messages[name] = {
      name,
      contentType: 'application/json',
      headers: {
        $ref: `#/components/schemas/${contract.actor === 'required' ? 'CommandHeaders' : 'BootstrapHeaders'}`,
      },
      payload: bodyJsonSchema(contract.body),
      'x-permission': contract.permission,
      'x-refusals': [...contract.refusals],
    };
  }
  for (const query of AUDIT_QUERIES) {
    channels[`audit-${query}`] = {
      address: `certm3.audit.${query}`,
      description: `${AUDIT_DESCRIPTIONS[query]} Requires an actor-id header and permission ${AUDIT_QUERY_PERMISSION}.`,
      'x-permission': AUDIT_QUERY_PERMISSION,
    };
  }
  // Not commands, but on the same bus: what pki-http answers and what the lifecycle process publishes.
  channels['pki-crl'] = {
    address: pkiCrlSubject(),
    description:
      'Answered by pki-http (any instance). Request {"caId":"<uuid>"}; reply {"ok":true,"data":{"caId","crlNumber","thisUpdate","nextUpdate","crl":"<base64 DER>"}} or a Failure (NOT_FOUND, VALIDATION_FAILED, UNAVAILABLE while it catches up). Past about 20,000 entries a CRL exceeds the default NATS message size: fetch /crl/<caId>.crl over HTTP.',
  };
  channels.notifications = {
    address: notificationSubject('{userId}'),
    parameters: { userId: { description: 'The notified user (a UUID).' } },
    description:
      'Published by the command API’s lifecycle process, once per notification (a subscriber that was away misses it: clm_core_db.notifications keeps them all).',
    messages: {
      Notification: {
        name: 'Notification',
        contentType: 'application/json',
        payload: {
          type: 'object',
          required: [
            'notificationId',
            'userId',
            'notificationType',
            'title',
            'message',
            'resourceType',
            'resourceId',
            'createdAt',
          ],
          properties: {
            notificationId: uuid('Fixed by its cause: the same on NATS, the webhook and in the row.'),
            userId: uuid(),
            notificationType: { type: 'string', enum: [...NOTIFICATION_TYPES] },
            title: { type: 'string' },
            message: { type: 'string' },
            resourceType: { type: 'string' },
            resourceId: uuid(),
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
  channels.replies = {
    address: null,
    description: 'The NATS inbox of the request (its reply subject).',
    messages: { CommandReply: { $ref: '#/components/messages/CommandReply' } },
  };
  messages.CommandReply = {
    name: 'CommandReply',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        [HEADERS.correlationId]: uuid("The request's, or a new one."),
        [HEADERS.commandId]: uuid(),
      },
    },
    payload: { oneOf: [{ $ref: '#/components/schemas/Success' }, { $ref: '#/components/schemas/Failure' }] },
  };
  const headers = (actorRequired: boolean) => ({
    type: 'object',
    required: actorRequired ? [HEADERS.commandId, HEADERS.actorId] : [HEADERS.commandId],
    properties: {
      [HEADERS.commandId]: uuid('Idempotency key: a repeat returns the first reply and appends nothing.'),
      [HEADERS.actorId]: uuid('The acting user; must exist and be active.'),
      [HEADERS.correlationId]: uuid('Optional; generated if absent and echoed in the reply.'),
    },
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'certm3 command API',
      version: '1.1.0',
      description: [
        'Internal services send commands to certm3 over NATS request-reply. The body is the command as plain',
        'JSON (camelCase fields, unknown fields rejected, strict UTF-8, nested at most 32 deep); the reply is',
        '{"ok":true,"data":{"id","revision","position"}} or {"ok":false,"error":{"code","message","details"}}.',
        "`position` is the global log position of the command's last event: a read model that has applied it",
        "shows the command's effect. Instances share the subjects through the queue group `certm3-command-api`.",
        'The subject prefix `certm3` is configurable (NATS_SUBJECT_PREFIX). Generated from libs/contracts by',
        '`npm run docs:asyncapi`; do not edit by hand.',
      ].join('\n'),
    },
    servers: {
      nats: {
        host: '127.0.0.1:4222',
        protocol: 'nats',
        description:
          'Credentials (user/password or token) are required when the NATS server is configured with them.',
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        CommandHeaders: headers(true),
        BootstrapHeaders: headers(false),
        Success: {
          type: 'object',
          required: ['ok', 'data'],
          properties: {
            ok: { const: true },
            data: {
              type: 'object',
              required: ['id', 'revision', 'position'],
              properties: {
                id: {
                  type: 'string',
                  description: "The aggregate's id (a UUID; for groups, the group name).",
                },
                revision: {
                  type: 'integer',
                  description: "The aggregate's stream revision after the command.",
                },
                position: {
                  type: 'string',
                  pattern: '^[0-9]+/[0-9]+$',
                  description: "Global log position of the command's last event (read-your-writes).",
                },
              },
            },
          },
        },
        Failure: {
          type: 'object',
          required: ['ok', 'error'],
          properties: {
            ok: { const: false },
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { $ref: '#/components/schemas/ErrorCode' },
                message: { type: 'string', description: 'For people; never a stack trace or a secret.' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      field: { type: 'string' },
                      problems: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
        ErrorCode: {
          type: 'string',
          description:
            'Stable, machine-readable. See libs/domain/src/shared/error-codes.ts for each meaning.',
          enum: Object.keys(ERROR_CODES),
        },
      },
    },
  };
}
