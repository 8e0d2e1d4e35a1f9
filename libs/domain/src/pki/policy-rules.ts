/**
 * A certificate policy's rules (`policies.policy_rules`). Seed 001's keys are kept exactly
 * (`max_validity_days`, `min_key_size`, `allowed_algorithms`, `require_approval`, `auto_renewal`,
 * `renewal_threshold_days`); the rest is what production CAs' policies have (Vault PKI roles, step-ca
 * policies): allowed domains with subdomain and wildcard switches, which SAN types are allowed, key usages
 * and extended key usages, fixed or required subject fields. Pure: validated when a policy is written,
 * evaluated when a request is decided.
 */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
] as const;
export const EXTENDED_KEY_USAGES = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection'] as const;
export const SUBJECT_FIELDS = ['commonName', 'organization', 'organizationalUnit', 'country'] as const;
export const SAN_TYPES = ['DNS', 'IP', 'EMAIL', 'URI'] as const;

export type KeyUsage = (typeof KEY_USAGES)[number];
export type ExtendedKeyUsage = (typeof EXTENDED_KEY_USAGES)[number];
export type SubjectField = (typeof SUBJECT_FIELDS)[number];
export type SanType = (typeof SAN_TYPES)[number];

export interface PolicyRules {
  readonly max_validity_days: number;
  readonly min_key_size: number;
  readonly allowed_algorithms: readonly ('RSA' | 'ECDSA')[];
  readonly require_approval: boolean;
  readonly auto_renewal: boolean;
  readonly renewal_threshold_days: number;
  /** Whether renewing a certificate revokes its predecessor (reason superseded) once the successor is issued. */
  readonly revoke_superseded: boolean;
  /** Domains names may be under; empty: any. */
  readonly allowed_domains: readonly string[];
  readonly allow_subdomains: boolean;
  readonly allow_wildcards: boolean;
  readonly allow_ip_sans: boolean;
  readonly allow_email_sans: boolean;
  readonly allow_uri_sans: boolean;
  readonly key_usages: readonly KeyUsage[];
  readonly extended_key_usages: readonly ExtendedKeyUsage[];
  /** Subject fields every certificate gets, whatever the request says. */
  readonly fixed_subject: { readonly [F in SubjectField]?: string };
  /** Subject fields a request must give. */
  readonly required_subject_fields: readonly SubjectField[];
}

/** What a policy that says nothing else allows: seed 001's example rules, TLS server certificates. */
export const DEFAULT_POLICY_RULES: PolicyRules = {
  max_validity_days: 365,
  min_key_size: 2048,
  allowed_algorithms: ['RSA', 'ECDSA'],
  require_approval: false,
  auto_renewal: true,
  renewal_threshold_days: 30,
  revoke_superseded: false,
  allowed_domains: [],
  allow_subdomains: true,
  allow_wildcards: false,
  allow_ip_sans: false,
  allow_email_sans: false,
  allow_uri_sans: false,
  key_usages: ['digitalSignature', 'keyEncipherment'],
  extended_key_usages: ['serverAuth'],
  fixed_subject: {},
  required_subject_fields: ['commonName'],
};

export interface RuleProblem {
  readonly rule: string;
  readonly [detail: string]: unknown;
}

const isStringList = (value: unknown, allowed?: readonly string[]): value is string[] =>
  Array.isArray(value) &&
  value.every((item) => typeof item === 'string' && (!allowed || allowed.includes(item))) &&
  new Set(value).size === value.length;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The rules of a policy from what a command gave (missing keys take the defaults), or the problems: every
 * unknown key, wrong type or out-of-range value, each naming its rule.
 */
export function validatePolicyRules(
  input: Record<string, unknown>,
): { rules: PolicyRules } | { problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const known = Object.keys(DEFAULT_POLICY_RULES);
  for (const key of Object.keys(input))
    if (!known.includes(key)) problems.push({ rule: key, problem: 'unknown rule' });
  const merged = { ...DEFAULT_POLICY_RULES, ...input } as Record<string, unknown>;
  const integer = (rule: string, min: number, max: number) => {
    const value = merged[rule];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      problems.push({ rule, problem: `must be a whole number from ${min} to ${max}` });
  };
  const flag = (rule: string) => {
    if (typeof merged[rule] !== 'boolean') problems.push({ rule, problem: 'must be true or false' });
  };
  const list = (rule: string, allowed?: readonly string[], nonEmpty = false) => {
    const value = merged[rule];
    if (!isStringList(value, allowed) || (nonEmpty && value.length === 0))
      problems.push({
        rule,
        problem: allowed
          ? `must be a list of distinct values of ${allowed.join(', ')}${nonEmpty ? ', not empty' : ''}`
          : 'must be a list of distinct strings',
      });
  };
  integer('max_validity_days', 1, 3650);
  integer('min_key_size', 2048, 4096);
  integer('renewal_threshold_days', 1, 3650);
  list('allowed_algorithms', ['RSA', 'ECDSA'], true);
  for (const rule of [
    'require_approval',
    'auto_renewal',
    'revoke_superseded',
    'allow_subdomains',
    'allow_wildcards',
    'allow_ip_sans',
    'allow_email_sans',
    'allow_uri_sans',
  ])
    flag(rule);
  list('allowed_domains');
  if (isStringList(merged.allowed_domains))
    for (const domain of merged.allowed_domains)
      if (!DOMAIN.test(domain))
        problems.push({ rule: 'allowed_domains', problem: 'not a lower-case domain name', value: domain });
  list('key_usages', KEY_USAGES);
  list('extended_key_usages', EXTENDED_KEY_USAGES);
  list('required_subject_fields', SUBJECT_FIELDS);
  const fixed = merged.fixed_subject;
  if (!fixed || typeof fixed !== 'object' || Array.isArray(fixed))
    problems.push({ rule: 'fixed_subject', problem: 'must be an object' });
  else
    for (const [field, value] of Object.entries(fixed))
      if (
        !(SUBJECT_FIELDS as readonly string[]).includes(field) ||
        typeof value !== 'string' ||
        value.length === 0 ||
        value.length > 64
      )
        problems.push({
          rule: 'fixed_subject',
          problem: `${field}: a subject field of ${SUBJECT_FIELDS.join(', ')}, 1 to 64 characters`,
        });
  const validity = merged.max_validity_days;
  const threshold = merged.renewal_threshold_days;
  if (
    typeof validity === 'number' &&
    typeof threshold === 'number' &&
    validity >= 1 &&
    threshold >= 1 &&
    threshold >= validity
  )
    problems.push({ rule: 'renewal_threshold_days', problem: 'must be less than max_validity_days' });
  return problems.length > 0 ? { problems } : { rules: merged as unknown as PolicyRules };
}

/** What a certificate request asks for, as the policy judges it. */
export interface RequestedCertificate {
  readonly subject: { readonly [F in SubjectField]?: string };
  readonly subjectAlternativeNames: readonly { readonly type: SanType; readonly value: string }[];
  readonly key: { readonly algorithm: 'RSA' | 'ECDSA'; readonly size: number };
  readonly validityDays: number;
}

/** Whether `name` (a DNS SAN or a common name) is within the allowed domains. */
function domainAllowed(name: string, rules: PolicyRules): RuleProblem | undefined {
  const lower = name.toLowerCase();
  const wildcard = lower.startsWith('*.');
  if (wildcard && !rules.allow_wildcards) return { rule: 'allow_wildcards', value: name };
  const base = wildcard ? lower.slice(2) : lower;
  if (rules.allowed_domains.length === 0) return undefined;
  for (const domain of rules.allowed_domains) {
    if (base === domain && !wildcard) return undefined;
    if (base.endsWith(`.${domain}`) || (wildcard && base === domain)) {
      if (rules.allow_subdomains || (wildcard && base === domain)) return undefined;
    }
  }
  return { rule: 'allowed_domains', value: name, allowed: rules.allowed_domains };
}

/**
 * Every rule the request breaks, each with its limit and what was asked
 * (`{"rule":"min_key_size","limit":2048,"actual":1024}`); empty when the policy allows it.
 */
export function policyViolations(request: RequestedCertificate, rules: PolicyRules): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (request.validityDays > rules.max_validity_days)
    problems.push({
      rule: 'max_validity_days',
      limit: rules.max_validity_days,
      actual: request.validityDays,
    });
  if (!rules.allowed_algorithms.includes(request.key.algorithm))
    problems.push({
      rule: 'allowed_algorithms',
      limit: rules.allowed_algorithms,
      actual: request.key.algorithm,
    });
  if (request.key.algorithm === 'RSA' && request.key.size < rules.min_key_size)
    problems.push({ rule: 'min_key_size', limit: rules.min_key_size, actual: request.key.size });
  for (const field of rules.required_subject_fields)
    if (!request.subject[field] && !rules.fixed_subject[field])
      problems.push({ rule: 'required_subject_fields', field });
  const names = [
    ...(request.subject.commonName &&
    !request.subject.commonName.includes('@') &&
    !request.subject.commonName.includes(' ')
      ? [request.subject.commonName]
      : []),
    ...request.subjectAlternativeNames.filter((san) => san.type === 'DNS').map((san) => san.value),
  ];
  for (const name of new Set(names)) {
    const problem = domainAllowed(name, rules);
    if (problem) problems.push(problem);
  }
  const allowedType = {
    DNS: true,
    IP: rules.allow_ip_sans,
    EMAIL: rules.allow_email_sans,
    URI: rules.allow_uri_sans,
  };
  for (const san of request.subjectAlternativeNames)
    if (!allowedType[san.type])
      problems.push({ rule: `allow_${san.type.toLowerCase()}_sans`, value: san.value });
  return problems;
}
