import { REVOCATION_REQUEST_REASONS } from '@certm3/domain';
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
    summary:
      'Revokes a certificate for an RFC 5280 reason: finally, or on hold (certificateHold) until ReleaseCertificateHold. keyCompromise also blocks its public key.',
    actor: 'required',
    permission: 'certificates:revoke',
    body: {
      certificateId,
      reason: field.oneOf(
        REVOCATION_REQUEST_REASONS,
        `must be one of ${REVOCATION_REQUEST_REASONS.join(', ')} (RFC 5280; removeFromCRL is ReleaseCertificateHold)`,
      ),
      comment: field.text({ maxLength: 10_000 }).optional(),
      invalidityDate: field
        .instant()
        .optional()
        .describe(
          'when the key was (or is suspected to have been) compromised or the certificate became invalid',
        ),
    },
    refusals: [
      'NOT_FOUND',
      'CERTIFICATE_ALREADY_REVOKED',
      'CERTIFICATE_ALREADY_SUSPENDED',
      'CERTIFICATE_EXPIRED',
      'INVALIDITY_DATE_AHEAD',
    ],
  }),
  defineCommand({
    name: 'ReleaseCertificateHold',
    summary: 'Lifts a hold (certificateHold): the certificate is active again and leaves the CRL.',
    actor: 'required',
    permission: 'certificates:revoke',
    body: { certificateId },
    refusals: ['NOT_FOUND', 'CERTIFICATE_NOT_SUSPENDED'],
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
