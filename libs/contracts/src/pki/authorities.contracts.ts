import { CA_KEY_ALGORITHMS } from '@certm3/domain';
import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';

const attribute = (maxLength: number) =>
  field.text({ minLength: 1, maxLength, trimmed: true, noControlCharacters: true });

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
      subject: field.object({
        commonName: attribute(64),
        organization: attribute(64).optional(),
        organizationalUnit: attribute(64).optional(),
        country: field
          .text({
            minLength: 2,
            maxLength: 2,
            pattern: { source: '^[A-Z]{2}$', description: 'must be two capital letters (ISO 3166)' },
          })
          .optional(),
      }),
      keyAlgorithm: field.oneOf(CA_KEY_ALGORITHMS),
      validityDays: field.integer(1, 7300),
      parentId: field.uuid().optional().describe('the certm3 authority that signs this intermediate'),
      organizationId: field.uuid().optional(),
      pathLength: field
        .integer(0, 5)
        .optional()
        .describe('how many authorities may follow below; left out: unbounded'),
    },
    refusals: ['AUTHORITY_ALREADY_EXISTS', 'AUTHORITY_DISABLED', 'NOT_FOUND', 'POLICY_VIOLATION'],
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
