/**
 * Every error code certm3 replies with: the domain's refusals and the transport's. One list, used by the
 * domain, the command API, the AsyncAPI document (a test keeps them equal) and the tests.
 */
export const ERROR_CODES = {
  // Invariants of the documented system (seed 000, Constraints)
  USER_DELETION_FORBIDDEN: 'Users are never deleted, only deactivated.',
  CERTIFICATE_DELETION_FORBIDDEN: 'Certificates are never deleted, only revoked.',
  CERTIFICATE_ALREADY_REVOKED: 'The certificate is revoked; revocation is final.',
  CERTIFICATE_EXPIRED: 'The certificate is expired (or was already past its notAfter when registered).',
  CERTIFICATE_ALREADY_EXPIRED: 'The certificate is already marked expired.',
  CERTIFICATE_NOT_YET_EXPIRED: 'The certificate is still within its validity period.',
  CERTIFICATE_ALREADY_REGISTERED: 'A certificate with this id is already registered.',
  GROUP_PROTECTED: 'The group "users" cannot be updated or deleted.',
  USERS_GROUP_MEMBERSHIP_REQUIRED: 'No user can be removed from the group "users".',
  EMAIL_TAKEN: 'Another user has this email address (compared case-insensitively).',
  GROUP_NAME_TAKEN: 'A group with this name exists (compared case-insensitively).',
  ALREADY_MEMBER: 'The user is already a member of the group.',
  NOT_A_MEMBER: 'The user is not a member of the group.',
  USER_INACTIVE: 'The user is deactivated.',
  USER_ALREADY_INACTIVE: 'The user is already deactivated.',
  USER_ALREADY_ACTIVE: 'The user is already active.',
  USER_ALREADY_EXISTS: 'A user with this id exists.',
  ALREADY_BOOTSTRAPPED: 'An administrator was already bootstrapped; users are registered by existing users.',
  FORBIDDEN: 'The acting user does not exist or is deactivated.',
  NOT_FOUND: 'The user, group or certificate the command names does not exist.',
  // Transport and processing
  VALIDATION_FAILED: 'The command body does not satisfy its schema; details name each field.',
  MALFORMED_MESSAGE: 'The message is not a usable command (not JSON, too large, missing or bad headers).',
  UNKNOWN_COMMAND: 'No command of that name exists.',
  COMMAND_ID_REUSED: 'This command id was already used for a different command or body.',
  CONCURRENCY_CONFLICT: 'The entity kept changing under the command; retrying later may succeed.',
  UNAVAILABLE: 'A dependency (the event store) is unavailable; retrying later may succeed.',
  REPLY_TOO_LARGE:
    'The answer is larger than one NATS message may carry; ask for less (the audit CLI streams whole histories).',
  INTERNAL: 'An unexpected error; it was logged with the correlation id.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
