import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AUDIT_QUERIES, COMMAND_NAMES, ERROR_CODES } from '@certm3/contracts';
import { COMMAND_REGISTRY } from './commands/certm3-commands';

// docs/asyncapi.yaml is the contract other services code against; this keeps it from drifting.
const document = parse(readFileSync(join(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3 document', () => {
    expect(document.asyncapi).toMatch(/^3\./);
  });

  it('documents every handled subject (commands and audit queries), and no other', () => {
    const addresses = Object.values(document.channels as Record<string, { address: string | null }>)
      .map((channel) => channel.address)
      .filter((address): address is string => address !== null);
    const handled = [
      ...Object.keys(COMMAND_REGISTRY).map((name) => `certm3.cmd.${name}`),
      ...AUDIT_QUERIES.map((query) => `certm3.audit.${query}`),
    ];
    expect(addresses.sort()).toEqual(handled.sort());
    expect(Object.keys(COMMAND_REGISTRY).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it('lists every error code, and no other', () => {
    expect([...document.components.schemas.ErrorCode.enum].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('describes the fields of each command body', () => {
    for (const name of COMMAND_NAMES) {
      const payload = document.components.messages[name].payload;
      expect(payload.additionalProperties).toBe(false);
      expect(Object.keys(payload.properties).length).toBeGreaterThan(0);
    }
  });
});
