import { escapeLiteral } from 'pg';
import { quoteLiteral } from './merge-statements';

describe('quoteLiteral', () => {
  it("writes every string exactly as pg's escapeLiteral does", () => {
    const alphabet = ["'", '\\', '"', '$', 'a', 'é', '😀', '\n', ' ', 'E', '0'];
    const strings = ['', "'", '\\', "O'Brien", 'C:\\path\\', "\\'", "''\\\\''", '{"a":"b\\"c"}'];
    for (let index = 0; index < 2_000; index++) {
      const length = index % 12;
      strings.push(
        Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(''),
      );
    }
    for (const text of strings) expect(quoteLiteral(text)).toBe(escapeLiteral(text));
  });
});
