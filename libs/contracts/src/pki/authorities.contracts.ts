import { CA_KEY_ALGORITHMS } from '@certm3/domain';
import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';
import { subjectAttribute, subjectField } from './subject';

const attribute = subjectAttribute;

export const AUTHORITY_COMMANDS = commandSet(
  defineCommand({
    name: 'CreateCertificateAuthority',
    summary:
      "Creates a certificate authority: a root (self-signed) or, with parentId, an intermediate signed by a certm3 CA. Its key is generated here and stored only sealed. Replies with the CA's certificatePem and chainPem.",
    actor: 'required',
    permission: 'authorities:create',
    body: {
      id: field
        .uuid()
        .optional()
        .describe('the new authority’s id; derived from the command id when left out'),
      name: attribute(255),
      subject: subjectField(),
      keyAlgorithm: field.oneOf(CA_KEY_ALGORITHMS),
      validityDays: field.integer(1, 7300),
      parentId: field.uuid().optional().describe('the certm3 authority that signs this intermediate'),
      external: field
        .boolean()
        .optional()
        .describe(
          'true: an offline parent signs it; the reply holds csrPem, and ActivateCertificateAuthority installs the certificate',
        ),
      organizationId: field.uuid().optional(),
      pathLength: field
        .integer(0, 5)
        .optional()
        .describe('how many authorities may follow below; left out: unbounded'),
    },
    refusals: [
      'AUTHORITY_ALREADY_EXISTS',
      'AUTHORITY_DISABLED',
      'AUTHORITY_NOT_ACTIVE',
      'NOT_FOUND',
      'POLICY_VIOLATION',
    ],
  }),
  defineCommand({
    name: 'ActivateCertificateAuthority',
    summary:
      'Installs the certificate an offline parent signed for an authority created with external: true; it issues from then on.',
    actor: 'required',
    permission: 'authorities:create',
    body: {
      id: field.uuid(),
      certificatePem: field.text({ maxLength: 32_768 }).describe('the authority’s certificate, PEM'),
      chainPem: field
        .text({ maxLength: 65_536 })
        .optional()
        .describe('the certificates above it up to the root, PEM, leaf-most first'),
    },
    refusals: [
      'NOT_FOUND',
      'AUTHORITY_ALREADY_ACTIVE',
      'AUTHORITY_DISABLED',
      'AUTHORITY_CERTIFICATE_MISMATCH',
    ],
  }),
  defineCommand({
    name: 'DisableCertificateAuthority',
    summary: 'Disables a certificate authority: it issues nothing from then on.',
    actor: 'required',
    permission: 'authorities:disable',
    body: { caId: field.uuid(), reason: field.text({ maxLength: 10_000 }).optional() },
    refusals: ['NOT_FOUND'],
  }),
);
