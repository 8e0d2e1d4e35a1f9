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
  USER_STATUS_CONFLICT: "The user's status does not allow this; details give the status.",
  USERNAME_TAKEN: 'Another user has this username (compared after Unicode normalisation and case folding).',
  LAST_ADMINISTRATOR:
    'The last active holder of ADMIN cannot be deactivated, suspended, locked or lose ADMIN.',
  INVALID_CURRENT_PASSWORD: 'Changing one’s own password needs the current one, and it did not match.',
  // Roles and permissions (seed 001: roles, user_roles)
  ROLE_ALREADY_EXISTS: 'A role with this id exists.',
  ROLE_CODE_TAKEN: 'Another role has this role code (compared case-insensitively).',
  ROLE_ALREADY_ASSIGNED: 'The user already holds this role with this scope.',
  ROLE_NOT_ASSIGNED: 'The user does not hold this role with this scope.',
  ROLE_PROTECTED: 'System roles (ADMIN, APPROVER, REQUESTER, AUDITOR) cannot be changed or deleted.',
  PERMISSION_DENIED:
    'The acting user lacks the permission (details name it) from a live role, globally or in the target’s organization.',
  // Organizations (seed 001: organizations, user_organizations)
  ORGANIZATION_ALREADY_EXISTS: 'An organization with this id exists.',
  ORG_CODE_TAKEN: 'Another organization has this code (compared case-insensitively).',
  ALREADY_IN_ORGANIZATION: 'The user is already a member of the organization.',
  NOT_IN_ORGANIZATION: 'The user is not a member of the organization.',
  ORGANIZATION_INACTIVE: 'The organization is inactive.',
  ORGANIZATION_ALREADY_ACTIVE: 'The organization is already active.',
  ALREADY_BOOTSTRAPPED: 'An administrator was already bootstrapped; users are registered by existing users.',
  FORBIDDEN: 'The acting user does not exist or is not active (inactive, suspended or locked).',
  NOT_FOUND: 'The user, group or certificate the command names does not exist.',
  // The certificate authority (issue #14; deciders in libs/domain/src/pki)
  POLICY_ALREADY_EXISTS: 'A policy with this id exists.',
  POLICY_NOT_EDITABLE: 'A policy is edited only while draft or inactive.',
  POLICY_NOT_ACTIVE: 'The policy is not active.',
  POLICY_ARCHIVED: 'The policy is archived; archiving is final.',
  POLICY_VIOLATION:
    'The request breaks a rule of its policy; details name each rule, its limit and what was asked.',
  AUTHORITY_ALREADY_EXISTS: 'A certificate authority with this id exists.',
  AUTHORITY_DISABLED:
    'The certificate authority is disabled (or its certificate expired) and issues nothing.',
  AUTHORITY_NOT_ACTIVE:
    'The certificate authority waits for the certificate its offline parent signs (ActivateCertificateAuthority).',
  AUTHORITY_ALREADY_ACTIVE: 'The certificate authority has its certificate already.',
  AUTHORITY_CERTIFICATE_MISMATCH:
    'The certificate is not one for this authority: another key, not a CA, or a chain that does not lead to it.',
  POLICY_CODE_TAKEN: 'Another policy has this policy code.',
  INVALID_CSR:
    'The certificate signing request is unusable (unreadable, bad signature, or a signature algorithm not accepted); details name the rule.',
  WEAK_KEY: 'The public key is not one certm3 certifies; details name each rule it breaks.',
  REQUEST_ALREADY_EXISTS: 'A certificate request with this id exists.',
  REQUEST_NOT_PENDING: 'The certificate request is no longer waiting to be issued.',
  CERTIFICATE_ALREADY_KNOWN:
    'This certificate (the same DER) is in the inventory already; details name it. One certificate is there once.',
  NO_PRIVATE_KEY: 'certm3 holds no private key for this certificate: the requester kept it.',
  PRIVATE_KEY_DESTROYED: 'The private key was destroyed; nothing can recover it.',
  CERTIFICATE_ALREADY_SUSPENDED: 'The certificate is already on hold (certificateHold).',
  CERTIFICATE_NOT_SUSPENDED: 'The certificate is not on hold: only a hold is released.',
  INVALIDITY_DATE_AHEAD: 'The invalidity date is in the future; it says when the certificate became invalid.',
  KEY_COMPROMISED:
    'This public key was revoked for keyCompromise: certm3 never certifies it again; make a new key.',
  CERTIFICATE_ALREADY_RENEWED: 'The certificate has a successor already; renew that one.',
  CERTIFICATE_NOT_RENEWABLE: 'The certificate cannot be renewed (details say why).',
  KEY_STILL_IN_USE:
    'The key-encryption key still wraps data keys or is the current one; only a retired key is destroyed.',
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
