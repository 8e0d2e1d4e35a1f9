import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  AUDIT_QUERIES,
  AUDIT_QUERY_PERMISSION,
  COMMAND_NAMES,
  COMMANDS,
  ERROR_CODES,
  notificationSubject,
  permissionTable,
  pkiCrlSubject,
} from '@certm3/contracts';
import { asyncApiDocumentText } from './asyncapi-document';
import { COMMAND_DEFINITIONS } from './command-definitions';

// docs/asyncapi.yaml is the contract other services code against; it is generated from the contracts, and
// this keeps the committed file from drifting (every subject, body field, type and limit).
const committed = readFileSync(join(__dirname, '../../../docs/asyncapi.yaml'), 'utf8');
const document = parse(committed);

describe('docs/asyncapi.yaml', () => {
  it('is exactly what the contracts generate (run `npm run docs:asyncapi` after changing a contract)', () => {
    expect(committed).toEqual(asyncApiDocumentText());
  });

  it('documents every handled subject (commands, audit queries, the CRL, notifications), and no other', () => {
    const addresses = Object.values(document.channels as Record<string, { address: string | null }>)
      .map((channel) => channel.address)
      .filter((address): address is string => address !== null);
    const handled = [
      ...Object.keys(COMMAND_DEFINITIONS).map((name) => `certm3.cmd.${name}`),
      ...AUDIT_QUERIES.map((query) => `certm3.audit.${query}`),
      // Not the command API's own: pki-http answers the one, the lifecycle process publishes the other.
      pkiCrlSubject(),
      notificationSubject('{userId}'),
    ];
    expect(addresses.sort()).toEqual(handled.sort());
    expect(Object.keys(COMMAND_DEFINITIONS).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it('lists every error code, and no other', () => {
    expect([...document.components.schemas.ErrorCode.enum].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('gives every body field its type and limits, and marks secrets write-only', () => {
    const register = document.components.messages.RegisterUser.payload;
    expect(register).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['username', 'email', 'password'],
      properties: {
        id: expect.objectContaining({ type: 'string', format: 'uuid' }),
        username: {
          type: 'string',
          minLength: 1,
          maxLength: 255,
          'x-rules': ['no control or format characters'],
        },
        email: expect.objectContaining({ type: 'string', format: 'email', maxLength: 255 }),
        password: expect.objectContaining({
          type: 'string',
          minLength: 12,
          maxLength: 1024,
          writeOnly: true,
        }),
        roleCodes: expect.objectContaining({
          type: 'array',
          maxItems: 20,
          items: expect.objectContaining({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', maxLength: 64 }),
        }),
      },
    });
    for (const name of COMMAND_NAMES) {
      const message = document.components.messages[name];
      expect(message.payload.additionalProperties).toBe(false);
      expect(Object.keys(message.payload.properties).sort()).toEqual(Object.keys(COMMANDS[name].body).sort());
      expect(message['x-permission']).toEqual(COMMANDS[name].permission);
    }
  });

  it('names each operation’s permission as the contracts declare it', () => {
    for (const name of COMMAND_NAMES) {
      expect(document.operations[name]['x-permission']).toEqual(COMMANDS[name].permission);
      expect(document.operations[name]['x-self-service']).toEqual(COMMANDS[name].selfService);
    }
    for (const query of AUDIT_QUERIES)
      expect(document.channels[`audit-${query}`]['x-permission']).toBe(AUDIT_QUERY_PERMISSION);
  });
});

describe("the README's permission table", () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('<!-- permissions:start -->'),
    readme.indexOf('<!-- permissions:end -->'),
  );
  const rows = [...section.matchAll(/^\| `([^`]+)`\s*\| ([^|]+?)\s*\|/gm)].map((match) => [
    match[1],
    match[2].trim(),
  ]);

  it('lists every command and audit query with the permission the code declares, and nothing else', () => {
    const expected = permissionTable().map((row) => [
      row.operation,
      row.permission.includes(':') ? `\`${row.permission}\`` : row.permission,
    ]);
    expect(rows).toEqual(expected);
  });
});
