import { REVOCATION_REASONS } from '@certm3/domain';
import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';

const certificateId = field.uuid();

export const CERTIFICATE_COMMANDS = commandSet(
  defineCommand({
    name: 'RegisterCertificate',
    summary: 'Registers a PEM X.509 certificate for an active user.',
    actor: 'required',
    permission: 'certificates:create',
    body: {
      id: field
        .uuid()
        .optional()
        .describe('the new certificate’s id; derived from the command id when left out'),
      userId: field.uuid(),
      certificateData: field.text({ maxLength: 32_768 }).describe('exactly one PEM X.509 certificate'),
    },
    refusals: [
      'NOT_FOUND',
      'USER_INACTIVE',
      'CERTIFICATE_EXPIRED',
      'CERTIFICATE_ALREADY_REGISTERED',
      'CERTIFICATE_ALREADY_KNOWN',
    ],
  }),
  defineCommand({
    name: 'RevokeCertificate',
    summary: 'Revokes a certificate, finally, for an RFC 5280 reason.',
    actor: 'required',
    permission: 'certificates:revoke',
    body: {
      certificateId,
      reason: field.oneOf(REVOCATION_REASONS, `must be one of ${REVOCATION_REASONS.join(', ')} (RFC 5280)`),
      comment: field.text({ maxLength: 10_000 }).optional(),
    },
    refusals: ['NOT_FOUND', 'CERTIFICATE_ALREADY_REVOKED', 'CERTIFICATE_EXPIRED'],
  }),
  defineCommand({
    name: 'ExpireCertificate',
    summary: 'Marks a certificate past its notAfter as expired.',
    actor: 'required',
    permission: 'certificates:update',
    body: { certificateId },
    refusals: [
      'NOT_FOUND',
      'CERTIFICATE_ALREADY_REVOKED',
      'CERTIFICATE_ALREADY_EXPIRED',
      'CERTIFICATE_NOT_YET_EXPIRED',
    ],
  }),
  defineCommand({
    name: 'DeleteCertificate',
    summary: 'Always refused with CERTIFICATE_DELETION_FORBIDDEN: certificates are only revoked.',
    actor: 'required',
    permission: 'certificates:delete',
    body: { certificateId },
    refusals: ['CERTIFICATE_DELETION_FORBIDDEN'],
  }),
);
