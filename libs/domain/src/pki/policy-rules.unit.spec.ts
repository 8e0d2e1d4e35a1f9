import {
  DEFAULT_POLICY_RULES,
  policyViolations,
  RequestedCertificate,
  validatePolicyRules,
} from './policy-rules';

const rules = (overrides: Record<string, unknown> = {}) => {
  const result = validatePolicyRules(overrides);
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  return result.rules;
};
const request = (overrides: Partial<RequestedCertificate> = {}): RequestedCertificate => ({
  subject: { commonName: 'www.example.com' },
  subjectAlternativeNames: [{ type: 'DNS', value: 'www.example.com' }],
  key: { algorithm: 'ECDSA', size: 256 },
  validityDays: 90,
  ...overrides,
});

describe('policy rules', () => {
  it("keep seed 001's keys, with the seed's example as defaults", () => {
    expect(rules()).toMatchObject({
      max_validity_days: 365,
      min_key_size: 2048,
      allowed_algorithms: ['RSA', 'ECDSA'],
      require_approval: false,
      auto_renewal: true,
      renewal_threshold_days: 30,
    });
    expect(Object.keys(DEFAULT_POLICY_RULES)).toEqual(
      expect.arrayContaining(['max_validity_days', 'allowed_domains']),
    );
  });

  it('refuse unknown keys and bad values, naming each rule', () => {
    const result = validatePolicyRules({
      max_validity_days: 0,
      allowed_algorithms: ['DSA'],
      colour: 'red',
      allowed_domains: ['Bad..Domain'],
    });
    expect('problems' in result && result.problems.map((problem) => problem.rule)).toEqual([
      'colour',
      'max_validity_days',
      'allowed_algorithms',
      'allowed_domains',
    ]);
  });

  it('allow what they allow', () => {
    expect(policyViolations(request(), rules({ allowed_domains: ['example.com'] }))).toEqual([]);
  });

  it('name the rule, its limit and what was asked for each violation', () => {
    const strict = rules({
      allowed_domains: ['example.com'],
      allow_subdomains: false,
      max_validity_days: 60,
    });
    expect(
      policyViolations(
        request({
          key: { algorithm: 'RSA', size: 1024 },
          validityDays: 400,
          subjectAlternativeNames: [
            { type: 'DNS', value: 'www.example.com' },
            { type: 'DNS', value: '*.example.com' },
            { type: 'DNS', value: 'evil.test' },
            { type: 'IP', value: '10.0.0.1' },
          ],
        }),
        strict,
      ),
    ).toEqual([
      { rule: 'max_validity_days', limit: 60, actual: 400 },
      { rule: 'min_key_size', limit: 2048, actual: 1024 },
      { rule: 'allowed_domains', value: 'www.example.com', allowed: ['example.com'] },
      { rule: 'allow_wildcards', value: '*.example.com' },
      { rule: 'allowed_domains', value: 'evil.test', allowed: ['example.com'] },
      { rule: 'allow_ip_sans', value: '10.0.0.1' },
    ]);
  });

  it('let a wildcard through only when wildcards are allowed', () => {
    const wild = rules({ allowed_domains: ['example.com'], allow_wildcards: true });
    expect(
      policyViolations(request({ subjectAlternativeNames: [{ type: 'DNS', value: '*.example.com' }] }), wild),
    ).toEqual([]);
  });
});
