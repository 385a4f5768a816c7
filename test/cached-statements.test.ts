import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { withCachedStatements } from '../src/store/cached-statements.ts';

describe('prepared statements kept by their text', () => {
  const sqlite = new Database(':memory:');
  afterAll(() => sqlite.close());

  it('prepares a text once and hands the same statement back', () => {
    const db = withCachedStatements(sqlite, 10);
    const first = db.prepare('SELECT 1 AS one');
    expect(db.prepare('SELECT 1 AS one')).toBe(first);
  });

  it('past the limit drops a text not used since the last eviction, keeping the used ones', () => {
    const db = withCachedStatements(sqlite, 2);
    const a = db.prepare('SELECT 1 AS a');
    const b = db.prepare('SELECT 1 AS b');
    db.prepare('SELECT 1 AS a');
    db.prepare('SELECT 1 AS c');
    // `a` was used again, so `b` went.
    expect(db.prepare('SELECT 1 AS a')).toBe(a);
    expect(db.prepare('SELECT 1 AS b')).not.toBe(b);
  });

  it('gives a fresh statement while the cached one is still iterating, and keeps the cached one', () => {
    const db = withCachedStatements(sqlite, 10);
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
