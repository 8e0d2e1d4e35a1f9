import { sql } from 'kysely';
import { inlineParameters } from './merge-statements';
import { compilingKysely } from './step';

// Regression: parameters were written in wherever `$n` appeared in the compiled SQL, inside string literals
// kysely had escaped too, so event data in a parameter could end a literal and run SQL of its own
// (`'costs $1 per seat'` with parameter 1 `x'; DROP TABLE groups; --` became
// `'costs 'x''; DROP TABLE groups; --' per seat'`). Only placeholders the lexer would read are replaced.
describe('inlineParameters', () => {
  const hostile = "x'; DROP TABLE groups; --";

  it('leaves a $n inside a literal kysely wrote (sql.lit) as written, and fills in the placeholders', () => {
    const db = compilingKysely<{ groups: { name: string; description: string } }>();
    const query = db
      .updateTable('groups')
      .set({ description: sql`${sql.lit('costs $1 per seat')} || ${'!'}` })
      .where('name', '=', hostile)
      .compile();
    expect(query.sql).toBe(`update "groups" set "description" = 'costs $1 per seat' || $1 where "name" = $2`);
    expect(inlineParameters(query.sql, query.parameters)).toBe(
      `update "groups" set "description" = 'costs $1 per seat' || '!' where "name" = 'x''; DROP TABLE groups; --'`,
    );
  });

  it("skips string literals with '' escapes, and E'' literals with backslash escapes too", () => {
    expect(inlineParameters(`SELECT 'it''s $1', $1`, [hostile])).toBe(
      `SELECT 'it''s $1', 'x''; DROP TABLE groups; --'`,
    );
    expect(inlineParameters(`SELECT E'it\\'s $1', e'\\\\', $1`, ['a'])).toBe(
      `SELECT E'it\\'s $1', e'\\\\', 'a'`,
    );
    // Not an E'' literal: the E ends an identifier, and a backslash escapes nothing in a plain literal.
    expect(inlineParameters(`SELECT name'\\', $1`, ['a'])).toBe(`SELECT name'\\', 'a'`);
  });

  it('skips quoted identifiers, dollar-quoted strings and comments', () => {
    expect(inlineParameters(`SELECT "col$1" FROM "t""$2" WHERE a = $1`, ['v', 'w'])).toBe(
      `SELECT "col$1" FROM "t""$2" WHERE a = 'v'`,
    );
    expect(inlineParameters(`SELECT $$ $1 $$, $body$ $1 $x$ $body$, $1`, ['v'])).toBe(
      `SELECT $$ $1 $$, $body$ $1 $x$ $body$, 'v'`,
    );
    expect(inlineParameters(`SELECT $1 -- and $1\n, /* $1 /* nested $1 */ $1 */ $1`, ['v'])).toBe(
      `SELECT 'v' -- and $1\n, /* $1 /* nested $1 */ $1 */ 'v'`,
    );
  });

  it('leaves a $ within an identifier alone, and writes every kind of value as a literal of unknown type', () => {
    expect(inlineParameters(`SELECT a$1, $1`, ['v'])).toBe(`SELECT a$1, 'v'`);
    expect(
      inlineParameters(`SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10`, [
        null,
        true,
        -5,
        12n,
        "O'Brien",
        'C:\\dir',
        new Date('2026-11-29T05:00:00.000Z'),
        Buffer.from([1, 255]),
        ['a', 'b c'],
        Number.NaN,
      ]),
    ).toBe(
      `SELECT NULL, 'true', '-5', '12', 'O''Brien',  E'C:\\\\dir', '2026-11-29T05:00:00.000Z',  E'\\\\x01ff', '{"a","b c"}', 'NaN'`,
    );
  });

  it('refuses a placeholder it has no parameter for, and text it cannot read to the end', () => {
    expect(() => inlineParameters(`SELECT $2`, ['v'])).toThrow('the statement names parameter $2 of 1');
    expect(() => inlineParameters(`SELECT 'open`, [])).toThrow('unterminated string literal');
    expect(() => inlineParameters(`SELECT $q$ open`, [])).toThrow('unterminated dollar-quoted string $q$');
  });
});
