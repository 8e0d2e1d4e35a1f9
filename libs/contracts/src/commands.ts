import { CommandContract } from './command-contract';
import { CERTIFICATE_COMMANDS } from './certificates/certificates.contracts';
import { GROUP_COMMANDS } from './identity/groups.contracts';
import { USER_COMMANDS } from './identity/users.contracts';
import { ROLE_COMMANDS } from './access/roles.contracts';
import { ORGANIZATION_COMMANDS } from './organizations/organizations.contracts';
import { AUTHORITY_COMMANDS } from './pki/authorities.contracts';
import { ISSUANCE_COMMANDS } from './pki/issuance.contracts';
import { POLICY_COMMANDS } from './pki/policies.contracts';
import { NOTIFICATION_COMMANDS } from './notifications/notifications.contracts';

/**
 * Every command the command API accepts, by name (the last token of its NATS subject). A context's
 * commands are declared in its `*.contracts.ts`; the CLI, the executor, the tests and the AsyncAPI
 * document all read them from here.
 */
export const COMMANDS = {
  ...USER_COMMANDS,
  ...GROUP_COMMANDS,
  ...ROLE_COMMANDS,
  ...ORGANIZATION_COMMANDS,
  ...CERTIFICATE_COMMANDS,
  ...AUTHORITY_COMMANDS,
  ...POLICY_COMMANDS,
  ...ISSUANCE_COMMANDS,
  ...NOTIFICATION_COMMANDS,
};

export type Commands = typeof COMMANDS;
export type CommandName = keyof Commands;
export type ContractOf<Name extends CommandName> = Commands[Name];

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

export function contractOf(name: CommandName): CommandContract {
  return COMMANDS[name];
}

/** Commands accepted without an `actor-id` header. */
export const COMMANDS_WITHOUT_ACTOR: readonly CommandName[] = COMMAND_NAMES.filter(
  (name) => COMMANDS[name].actor === 'none',
);

export const DEFAULT_SUBJECT_PREFIX = 'certm3';

export function commandSubject(name: string, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.cmd.${name}`;
}

/** Answered by pki-http: an authority's current CRL, for services inside (docs/pki-http.md). */
export function pkiCrlSubject(prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.pki.crl`;
}

/** Published by the command API's lifecycle process: one message per notification for `userId`. */
export function notificationSubject(userId: string, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.notifications.${userId}`;
}

export function commandSubjectWildcard(prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.cmd.>`;
}

export const HEADERS = {
  commandId: 'command-id',
  actorId: 'actor-id',
  correlationId: 'correlation-id',
} as const;

/** Largest command body accepted, in bytes; a PEM certificate chain fits many times over. */
export const MAX_COMMAND_BYTES = 64 * 1024;

/**
 * Deepest nesting of arrays and objects a body may have, checked before the body is parsed: a body nested
 * ten thousand deep overflowed the stack of every recursive step after JSON.parse and stalled the service.
 */
export const MAX_BODY_DEPTH = 32;

/** Read-only questions auditors' services ask over NATS: `<prefix>.audit.<query>`. */
export const AUDIT_QUERIES = ['history', 'state-at', 'verify'] as const;
export type AuditQuery = (typeof AUDIT_QUERIES)[number];
/** What every audit query needs, globally (they read the whole trail). */
export const AUDIT_QUERY_PERMISSION = 'audit:read' as const;

/** The permission table of the README and the AsyncAPI document: every command and query, what it needs. */
export function permissionTable(): { operation: string; permission: string; selfService?: string }[] {
  return [
    ...COMMAND_NAMES.map((name) => {
      const { permission, selfService } = COMMANDS[name];
      return {
        operation: name,
        permission: typeof permission === 'string' ? permission : 'none (no actor)',
        ...(selfService ? { selfService } : {}),
      };
    }),
    ...AUDIT_QUERIES.map((query) => ({ operation: `audit.${query}`, permission: AUDIT_QUERY_PERMISSION })),
  ];
}

export function auditSubject(query: AuditQuery, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.audit.${query}`;
}

export function auditSubjectWildcard(prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.audit.>`;
}
