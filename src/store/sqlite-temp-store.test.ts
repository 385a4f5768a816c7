import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.ts';

/** Files this process holds open that were unlinked at once: SQLite's temp files (`etilqs_…`). */
const openTempFiles = () =>
  fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // closed while we looked
      }
    })
    .filter((target) => target.includes('etilqs_'));

describe.runIf(fs.existsSync('/proc/self/fd'))('SQLite temp store', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temp-store-'));
    store = await openStore({ sqlitePath: path.join(dir, 'agentruns.db') });
    await sql`CREATE TABLE notes (n integer primary key, text text not null)`.execute(store.db);
    await store.transaction(async (trx) => {
      for (let n = 0; n < 400; n++)
        await sql`INSERT INTO notes (n, text) VALUES (${n}, ${'x'.repeat(1000)})`.execute(trx);
    });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a long transaction’s statement journal in memory, never in a temp file', async () => {
    const sqlite = store.sqlite;
    if (!sqlite) throw new Error('a SQLite store has its handle');
    const seen = await store.sqliteWrite((db) => {
      // The first statement dirties ~100 pages; the second rewrites them all, so its journal holds
      // ~400 KiB of their old contents, far past the 64 KiB SQLite keeps in memory by default.
      db.prepare(`UPDATE notes SET text = 'y' || text`).run();
      db.prepare(`UPDATE notes SET text = 'z' || text WHERE n >= 0`).run();
      return openTempFiles();
    });
    expect(seen).toEqual([]);
    expect(sqlite.prepare(`SELECT count(*) AS n FROM notes WHERE text LIKE 'zy%'`).get()).toEqual({
      n: 400,
    });
  });
});
