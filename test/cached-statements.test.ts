import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { withCachedStatements } from '../src/store/cached-statements.ts';

describe('prepared statements kept by their text', () => {
  const sqlite = new Database(':memory:');
  afterAll(() => sqlite.close());

  it('prepares a text once and hands the same statement back', () => {
    const db = withCachedStatements(sqlite, { count: 10, chars: 10_000 });
    const first = db.prepare('SELECT 1 AS one');
    expect(db.prepare('SELECT 1 AS one')).toBe(first);
  });

  /** Prepares a, b, a again, then c, one more than the cache holds: `a` was used again, so `b` goes. */
  const evictsTheUnused = (db: ReturnType<typeof withCachedStatements>) => {
    const a = db.prepare('SELECT 1 AS a');
    const b = db.prepare('SELECT 1 AS b');
    db.prepare('SELECT 1 AS a');
    db.prepare('SELECT 1 AS c');
    expect(db.prepare('SELECT 1 AS a')).toBe(a);
    expect(db.prepare('SELECT 1 AS b')).not.toBe(b);
    return a;
  };

  it('past the limit drops a text not used since the last eviction, keeping the used ones', () => {
    evictsTheUnused(withCachedStatements(sqlite, { count: 2, chars: 10_000 }));
  });

  it('keeps texts within a budget of characters, and prepares a text longer than all of it for its one use', () => {
    // Each of these texts is 13 characters: two fit in 30.
    const db = withCachedStatements(sqlite, { count: 10, chars: 30 });
    const a = evictsTheUnused(db);
    const long = `SELECT ${Array.from({ length: 20 }, (_, i) => i).join(', ')}`;
    expect(db.prepare(long)).not.toBe(db.prepare(long));
    // The long text took nothing from the kept ones.
    expect(db.prepare('SELECT 1 AS a')).toBe(a);
  });

  it('gives a fresh statement while the cached one is still iterating, and keeps the cached one', () => {
    const db = withCachedStatements(sqlite, { count: 10, chars: 10_000 });
    const text = 'SELECT value FROM json_each(?)';
    const cached = db.prepare(text) as unknown as Database.Statement;
    const rows = cached.iterate('[1, 2, 3]');
    rows.next();
    const fresh = db.prepare(text);
    expect(fresh).not.toBe(cached);
    rows.return?.();
    expect(db.prepare(text)).toBe(cached);
  });
});
