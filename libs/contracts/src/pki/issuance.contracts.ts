import { CA_KEY_ALGORITHMS, SAN_TYPES } from '@certm3/domain';
import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { subjectField } from './subject';

const certificateId = field.uuid();

/** What a request is refused for, whether it is submitted or a renewal makes it. */
const REQUEST_REFUSALS = [
  'POLICY_NOT_ACTIVE',
  'AUTHORITY_DISABLED',
  'AUTHORITY_NOT_ACTIVE',
  'INVALID_CSR',
  'WEAK_KEY',
  'KEY_COMPROMISED',
  'POLICY_VIOLATION',
  'USER_INACTIVE',
  'NOT_IN_ORGANIZATION',
] as const;

export const ISSUANCE_COMMANDS = commandSet(
  defineCommand({
    name: 'SubmitCertificateRequest',
    summary:
      'Asks for a certificate under an active policy: with a PKCS#10 CSR (the requester keeps the key), or with a subject, SANs and keyAlgorithm for a key made and sealed here. Issued at once (status issued, certificatePem, chainPem) unless the policy requires approval (status pending_approval).',
    actor: 'required',
    permission: 'certificates:create',
    body: {
      id: field.uuid().optional().describe('the request’s id; derived from the command id when left out'),
      policyId: field.uuid(),
      csr: field
        .text({ maxLength: 16_384 })
        .optional()
        .describe('a PKCS#10 certificate signing request, PEM'),
      subject: subjectField().optional().describe('for a key made here (without csr)'),
      subjectAlternativeNames: field
        .array(
          field.object({
            type: field.oneOf(SAN_TYPES),
            value: field.text({ minLength: 1, maxLength: 2048, trimmed: true, noControlCharacters: true }),
          }),
          { maxItems: 100 },
        )
        .optional()
        .describe('for a key made here (without csr); a CSR brings its own'),
      keyAlgorithm: field.oneOf(CA_KEY_ALGORITHMS).optional().describe('for a key made here (without csr)'),
      validityDays: field.integer(1, 3650).optional(),
      notAfter: field.instant().optional().describe('at least one minute ahead; instead of validityDays'),
      ownerUserId: field.uuid().optional().describe('who the certificate is for; default: the actor'),
    },
    refusals: ['NOT_FOUND', ...REQUEST_REFUSALS, 'REQUEST_ALREADY_EXISTS'],
  }),
  defineCommand({
    name: 'RenewCertificate',
    summary:
      'Issues a successor for a certificate under the same policy, subject and SANs, with the same lifetime (within the policy): a new key made here, or the given CSR. The two are linked; the predecessor is revoked as superseded where the policy says so (revoke_superseded).',
    actor: 'required',
    permission: 'certificates:create',
    body: {
      certificateId,
      csr: field
        .text({ maxLength: 16_384 })
        .optional()
        .describe('a PKCS#10 CSR for the new key; required when the requester keeps the key'),
    },
    refusals: ['NOT_FOUND', 'CERTIFICATE_NOT_RENEWABLE', 'CERTIFICATE_ALREADY_RENEWED', ...REQUEST_REFUSALS],
  }),
  defineCommand({
    name: 'ExportPrivateKey',
    summary:
      'Returns a key certm3 made (privateKeyPem: PKCS#8 encrypted under the passphrase, AES-256-CBC with PBKDF2), shown in this answer only; every export is in secure_audit_log.',
    actor: 'required',
    permission: 'keys:export',
    selfService: 'the certificate’s owner exports their own key',
    body: {
      certificateId,
      passphrase: field.text({ minLength: 12, maxLength: 1024 }).secret().describe('at least 12 characters'),
    },
    refusals: ['NOT_FOUND', 'NO_PRIVATE_KEY', 'PRIVATE_KEY_DESTROYED', 'PERMISSION_DENIED'],
    shownOnce: ['privateKeyPem'],
  }),
  defineCommand({
    name: 'DestroyPrivateKey',
    summary:
      'Destroys the key certm3 holds for a certificate (its data key in the vault): nothing certm3 stores can recover it, the event log included.',
    actor: 'required',
    permission: 'keys:destroy',
    body: { certificateId },
    refusals: ['NOT_FOUND', 'NO_PRIVATE_KEY'],
  }),
  defineCommand({
    name: 'SetCertificateMetadata',
    summary:
      'Sets a certificate’s tags, environment, application and notes (clm_core_db.certificate_metadata).',
    actor: 'required',
    permission: 'certificates:update',
    body: {
      certificateId,
      tags: field
        .array(
          field.object({
            key: field.text({ minLength: 1, maxLength: 100, trimmed: true, noControlCharacters: true }),
            value: field.text({ maxLength: 1000, noControlCharacters: true }),
          }),
          { maxItems: 50 },
        )
        .optional()
        .describe('replaces all tags; each key once'),
      environment: field
        .text({ maxLength: 100, trimmed: true, noControlCharacters: true })
        .nullable()
        .optional(),
      application: field
        .text({ maxLength: 255, trimmed: true, noControlCharacters: true })
        .nullable()
        .optional(),
      notes: field.text({ maxLength: 10_000 }).nullable().optional(),
    },
    refusals: ['NOT_FOUND'],
  }),
  defineCommand({
    name: 'RotateEncryptionKey',
    summary:
      'Makes a new key-encryption key current at once; every existing data key is re-wrapped under it in the background and the old key is retired when none is left (key_rotation_history).',
    actor: 'required',
    permission: 'keys:rotate',
    body: {},
    refusals: [],
  }),
  defineCommand({
    name: 'DestroyEncryptionKey',
    summary:
      'Destroys a retired key-encryption key: whatever it wrapped before a rotation moved it away is unrecoverable.',
    actor: 'required',
    permission: 'keys:destroy',
    body: { keyId: field.uuid() },
    refusals: ['NOT_FOUND', 'KEY_STILL_IN_USE'],
  }),
);
