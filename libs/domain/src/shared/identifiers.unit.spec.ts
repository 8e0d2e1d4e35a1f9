import { emailKey, identifierKey, identifierProblem } from './identifiers';

describe('identifiers compare as people read them', () => {
  it('folds full-width letters and case: ｏｐｓ and OPS are ops', () => {
    expect(identifierKey('ｏｐｓ')).toBe('ops');
    expect(identifierKey('OPS')).toBe('ops');
  });

  it('makes é one thing whether one code point or e + combining accent', () => {
    expect(emailKey('caf\u00e9@example.com')).toBe(emailKey('cafe\u0301@example.com'));
  });

  it('compares an email domain as IDNA ASCII', () => {
    expect(emailKey('idn@bücher.de')).toBe(emailKey('idn@xn--bcher-kva.de'));
    expect(emailKey('Ada@Example.COM')).toBe('ada@example.com');
  });

  it('refuses zero-width and bidirectional control characters', () => {
    for (const value of ['o\u200Bps', 'ops\u200D', '\u202Eops', 'o\u2066ps', 'ops\uFEFF', 'o\u034Fps'])
      expect(identifierProblem(value)).toMatch(/invisible|bidirectional/);
    expect(identifierProblem('ops')).toBeUndefined();
    expect(identifierProblem('café')).toBeUndefined();
  });
});
