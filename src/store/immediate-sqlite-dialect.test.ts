import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.ts';

describe('SQLite connection hand-off', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-hand-off-'));
    store = await openStore({ sqlitePath: path.join(dir, 'agentruns.db') });
    await sql`CREATE TABLE notes (n integer primary key, text text not null)`.execute(store.db);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const QUERIES = 5000;
  const insertAll = (done: number[]) =>
    Promise.all(
      Array.from({ length: QUERIES }, (_, n) =>
        sql`INSERT INTO notes (n, text) VALUES (${n}, ${`note ${n}`})`.execute(store.db).then(() => {
          done.push(n);
        }),
      ),
    );

  it('serves queued queries in arrival order, each answered', async () => {
    const done: number[] = [];
    await insertAll(done);
    expect(done).toEqual(Array.from({ length: QUERIES }, (_, n) => n));
    const count = await sql<{ c: number }>`SELECT count(*) AS c FROM notes`.execute(store.db);
    expect(count.rows[0]?.c).toBe(QUERIES);
  });

  it('lets the event loop turn while a queue of queries drains', async () => {
    // SQLite answers at once: without a turn now and then, the whole queue would run as one chain
    // of microtasks and the callback below would only see it finished.
    const done: number[] = [];
    let seenByCallback: number | undefined;
    setImmediate(() => {
      seenByCallback = done.length;
    });
    await insertAll(done);
    expect(seenByCallback).toBeGreaterThan(0);
    expect(seenByCallback).toBeLessThan(QUERIES);
  });
});
