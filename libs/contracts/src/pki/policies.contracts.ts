import { EXTENDED_KEY_USAGES, KEY_USAGES, SUBJECT_FIELDS } from '@certm3/domain';
import { commandSet, defineCommand } from '../command-contract';
import { field } from '../schema/fields';

const subjectValue = () =>
  field.text({ minLength: 1, maxLength: 64, trimmed: true, noControlCharacters: true }).optional();

/**
 * `policies.policy_rules`: seed 001's keys exactly, and what production CAs' policies add. Every key may be
 * left out (it takes the default of DEFAULT_POLICY_RULES); an unknown key is refused. Cross-field rules
 * (renewal threshold below the validity, domain syntax) are the domain's validatePolicyRules.
 */
export const policyRulesField = () =>
  field.object({
    max_validity_days: field.integer(1, 3650).optional(),
    min_key_size: field.integer(2048, 4096).optional(),
    allowed_algorithms: field
      .array(field.oneOf(['RSA', 'ECDSA'] as const), { minItems: 1, maxItems: 2 })
      .optional(),
    require_approval: field.boolean().optional(),
    auto_renewal: field.boolean().optional(),
    renewal_threshold_days: field.integer(1, 3650).optional(),
    revoke_superseded: field
      .boolean()
      .optional()
      .describe('renewing a certificate revokes its predecessor (superseded) once the successor is issued'),
    allowed_domains: field
      .array(field.text({ minLength: 1, maxLength: 253, trimmed: true }), { maxItems: 200 })
      .optional(),
    allow_subdomains: field.boolean().optional(),
    allow_wildcards: field.boolean().optional(),
    allow_ip_sans: field.boolean().optional(),
    allow_email_sans: field.boolean().optional(),
    allow_uri_sans: field.boolean().optional(),
    key_usages: field.array(field.oneOf(KEY_USAGES), { maxItems: KEY_USAGES.length }).optional(),
    extended_key_usages: field
      .array(field.oneOf(EXTENDED_KEY_USAGES), { maxItems: EXTENDED_KEY_USAGES.length })
      .optional(),
    fixed_subject: field
      .object({
        commonName: subjectValue(),
        organization: subjectValue(),
        organizationalUnit: subjectValue(),
        country: subjectValue(),
      })
      .optional(),
    required_subject_fields: field
      .array(field.oneOf(SUBJECT_FIELDS), { maxItems: SUBJECT_FIELDS.length })
      .optional(),
  });

const policyCode = field.text({
  minLength: 1,
  maxLength: 50,
  pattern: {
    source: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
    description: 'must be letters, digits, "_", "." or "-", starting with a letter or digit',
  },
});
const policyName = field.text({ minLength: 1, maxLength: 255, trimmed: true, noControlCharacters: true });
const description = field.text({ maxLength: 10_000 }).nullable().optional();
const policyId = field.uuid();

export const POLICY_COMMANDS = commandSet(
  defineCommand({
    name: 'CreatePolicy',
    summary:
      'Creates a certificate policy (status draft) naming the certificate authority that issues under it and its rules.',
    actor: 'required',
    permission: 'policies:create',
    body: {
      id: field.uuid().optional().describe('the new policy’s id; derived from the command id when left out'),
      policyCode,
      name: policyName,
      description,
      organizationId: field.uuid().optional(),
      issuerId: field.uuid().describe('the certificate authority that signs under this policy'),
      policyRules: policyRulesField(),
    },
    refusals: [
      'POLICY_ALREADY_EXISTS',
      'POLICY_CODE_TAKEN',
      'NOT_FOUND',
      'AUTHORITY_DISABLED',
      'ORGANIZATION_INACTIVE',
    ],
  }),
  defineCommand({
    name: 'UpdatePolicy',
    summary:
      'Changes a draft or inactive policy’s name, description, issuer or rules (an active one is deactivated first).',
    actor: 'required',
    permission: 'policies:update',
    body: {
      policyId,
      name: policyName.optional(),
      description,
      issuerId: field.uuid().optional(),
      policyRules: policyRulesField().optional(),
    },
    refusals: ['NOT_FOUND', 'POLICY_NOT_EDITABLE', 'POLICY_ARCHIVED', 'AUTHORITY_DISABLED'],
  }),
  defineCommand({
    name: 'ActivatePolicy',
    summary: 'Makes a policy active: certificate requests are accepted under it.',
    actor: 'required',
    permission: 'policies:update',
    body: { policyId },
    refusals: ['NOT_FOUND', 'POLICY_ARCHIVED', 'AUTHORITY_DISABLED', 'AUTHORITY_NOT_ACTIVE'],
  }),
  defineCommand({
    name: 'DeactivatePolicy',
    summary: 'Makes a policy inactive: no request is accepted under it until it is activated again.',
    actor: 'required',
    permission: 'policies:update',
    body: { policyId },
    refusals: ['NOT_FOUND', 'POLICY_ARCHIVED', 'POLICY_NOT_ACTIVE'],
  }),
  defineCommand({
    name: 'ArchivePolicy',
    summary: 'Archives a policy, finally: it accepts no request and is not edited again.',
    actor: 'required',
    permission: 'policies:delete',
    body: { policyId },
    refusals: ['NOT_FOUND', 'POLICY_ARCHIVED'],
  }),
);
