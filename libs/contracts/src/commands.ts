/** Every command the command API accepts; the name is the last token of its NATS subject. */
export const COMMAND_NAMES = [
  'BootstrapAdministrator',
  'RegisterUser',
  'ChangeUserEmail',
  'UpdateUserProfile',
  'ChangePassword',
  'DeactivateUser',
  'ReactivateUser',
  'DeleteUser',
  'CreateGroup',
  'UpdateGroup',
  'DeleteGroup',
  'AddUserToGroup',
  'RemoveUserFromGroup',
  'RegisterCertificate',
  'RevokeCertificate',
  'ExpireCertificate',
  'DeleteCertificate',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Commands accepted without an `actor-id` header. */
export const COMMANDS_WITHOUT_ACTOR: readonly CommandName[] = ['BootstrapAdministrator'];

export const DEFAULT_SUBJECT_PREFIX = 'certm3';

export function commandSubject(name: string, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.cmd.${name}`;
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

/** Read-only questions auditors' services ask over NATS: `<prefix>.audit.<query>`. */
export const AUDIT_QUERIES = ['history', 'state-at', 'verify'] as const;
export type AuditQuery = (typeof AUDIT_QUERIES)[number];

export function auditSubject(query: AuditQuery, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.audit.${query}`;
}

export function auditSubjectWildcard(prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.audit.>`;
}
