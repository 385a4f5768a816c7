import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';

describe('SQLite checkpointer', () => {
  let dir: string;
  let file: string;
  let store: Store;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpointer-'));
    file = path.join(dir, 'agentruns.db');
    store = await openStore({ sqlitePath: file });
    await sql`CREATE TABLE notes (n integer primary key, text text not null)`.execute(store.db);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const walBytes = () => fs.statSync(`${file}-wal`).size;
  const writeMiB = async (mib: number, from: number) => {
    // One commit per 64 KiB: a commit never checkpoints here, so only the thread keeps the log short.
    for (let i = 0; i < mib * 16; i++)
      await store.transaction((trx) =>
        sql`INSERT INTO notes (n, text) VALUES (${from + i}, ${'x'.repeat(64 * 1024)})`.execute(trx),
      );
  };

  it('keeps commits from checkpointing, and keeps the log short from its own thread', async () => {
    expect(store.sqlite?.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    let largest = 0;
    for (let round = 0; round < 8; round++) {
      await writeMiB(4, round * 1000);
      largest = Math.max(largest, walBytes());
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // 32 MiB written; without the thread the log would hold all of it.
    expect(largest).toBeLessThan(16 * 1024 * 1024);
    const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM notes`.execute(store.db);
    expect(rows.rows[0]?.n).toBe(8 * 64);
  });

  it('stops its thread when the store closes, and a store opened after finds every row', async () => {
    await writeMiB(1, 0);
    await store.close();
    store = await openStore({ sqlitePath: file });
    const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM notes`.execute(store.db);
    expect(rows.rows[0]?.n).toBe(16);
  });

  it('hands checkpoints back to SQLite when its thread cannot run', async () => {
    const sqlite = store.sqlite;
    if (!sqlite) throw new Error('a SQLite store has its handle');
    const broken = startCheckpointer(sqlite, path.join(dir, 'no such directory', 'agentruns.db'));
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await expect.poll(() => sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await broken.stop();
  });
});
