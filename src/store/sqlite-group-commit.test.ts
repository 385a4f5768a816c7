import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.ts';

describe('SQLite group commit', () => {
  let dir: string;
  let store: Store;
  let observer: SqliteDatabase.Database;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-commit-'));
    const file = path.join(dir, 'agentruns.db');
    store = await openStore({ sqlitePath: file });
    await sql`CREATE TABLE notes (n integer primary key, text text not null)`.execute(store.db);
    // Another connection counts commits: `data_version` changes once per commit made elsewhere.
    observer = new SqliteDatabase(file);
  });

  afterEach(async () => {
    observer.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const commits = () => observer.pragma('data_version', { simple: true }) as number;
  const insert = (n: number) => (trx: Store['db']) =>
    sql`INSERT INTO notes (n, text) VALUES (${n}, ${`note ${n}`})`.execute(trx).then(() => n);

  it('commits transactions that wait together once, each in order and each answered', async () => {
    const before = commits();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction(insert(i))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(commits() - before).toBe(1);
    const rows = await sql<{ n: number }>`SELECT n FROM notes ORDER BY rowid`.execute(store.db);
    expect(rows.rows.map((r) => r.n)).toEqual(results);
  });

  it('rolls back only the transaction that throws, and tells only its caller', async () => {
    const outcomes = await Promise.allSettled([
      store.transaction(insert(1)),
      store.transaction(async (trx) => {
        await insert(2)(trx);
        throw new Error('refused by a rule');
      }),
      // A constraint error mid-group (the same key again) is that transaction's alone too.
      store.transaction(insert(1)),
      store.transaction(insert(3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('refused by a rule');
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    const rows = await sql<{ n: number }>`SELECT n FROM notes ORDER BY n`.execute(store.db);
    expect(rows.rows.map((r) => r.n)).toEqual([1, 3]);
  });

  it('answers a caller only after its group is on disk', async () => {
    let seenByOthers = -1;
    const first = store.transaction(insert(1));
    const second = store.transaction(async (trx) => {
      await insert(2)(trx);
      // Inside the group, the first transaction's row is not yet visible to another connection.
      seenByOthers = (observer.prepare('SELECT count(*) AS c FROM notes').get() as { c: number }).c;
      return 2;
    });
    await Promise.all([first, second]);
    expect(seenByOthers).toBe(0);
    expect((observer.prepare('SELECT count(*) AS c FROM notes').get() as { c: number }).c).toBe(2);
  });

  it('runs a lone transaction as before and keeps the lock for the raw writers', async () => {
    await store.transaction(insert(1));
    await store.sqliteWrite((db) => db.prepare('INSERT INTO notes (n, text) VALUES (2, ?)').run('raw'));
    const both = await Promise.all([
      store.transaction(insert(3)),
      store.sqliteWrite((db) => db.prepare('INSERT INTO notes (n, text) VALUES (4, ?)').run('raw')),
      store.transaction(insert(5)),
    ]);
    expect(both).toHaveLength(3);
    const rows = await sql<{ n: number }>`SELECT n FROM notes ORDER BY n`.execute(store.db);
    expect(rows.rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });
});
