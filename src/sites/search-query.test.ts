import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSearchQuery, toFts5Match, toWebsearch } from './search-query.ts';

describe('parseSearchQuery', () => {
  it('reads words and quoted phrases, lower-cased, once each', () => {
    expect(parseSearchQuery('Refund "Enterprise plan" refund 2024').terms).toEqual([
      ['refund'],
      ['enterprise', 'plan'],
      ['2024'],
    ]);
    expect(toFts5Match(parseSearchQuery('a "b c"'))).toBe('"a" OR "b c"');
    expect(toWebsearch(parseSearchQuery('a "b c"'))).toBe('"a" or "b c"');
  });

  it('reads right-to-left words', () => {
    expect(parseSearchQuery('צמיחה חזקה').terms).toEqual([['צמיחה'], ['חזקה']]);
  });

  it('makes a valid FTS5 query of any input', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2')`);
    db.exec(`INSERT INTO t(text) VALUES ('hello world')`);
    const match = db.prepare('SELECT count(*) AS n FROM t WHERE t MATCH ?');
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'grapheme' }), (input) => {
        const query = parseSearchQuery(input);
        if (query.terms.length > 0) expect(() => match.get(toFts5Match(query))).not.toThrow();
      }),
      { numRuns: 500 },
    );
    db.close();
  });
});
