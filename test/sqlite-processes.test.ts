import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { forkModule } from '../src/platform/fork-module.ts';
import { openStore, type Store } from '../src/store/open-store.ts';
import { readThenWrite } from './support/sqlite-read-then-write.ts';

describe('one SQLite file, two processes', () => {
  let store: Store | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits every transaction that reads before it writes, while another process writes too', async () => {
    // A deferred transaction whose snapshot another process's commit made stale cannot write
    // (SQLITE_BUSY_SNAPSHOT, past any busy timeout); transactions begin IMMEDIATE instead.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-sqlite-processes-'));
    const file = path.join(dir, 'agentruns.db');
    store = await openStore({ sqlitePath: file });
    await sql`CREATE TABLE scratch (id INTEGER PRIMARY KEY, who TEXT NOT NULL, i INTEGER NOT NULL, seen INTEGER NOT NULL)`.execute(
      store.db,
    );
    const count = 100;
    const child = await forkModule(new URL('./support/sqlite-writer-process.ts', import.meta.url));
    const answer = once(child, 'message');
    child.send({ file, who: 'child', count });
    const ours = store;
    await Promise.all(
      Array.from({ length: 4 }, (_, lane) =>
        (async () => {
          for (let i = lane; i < count; i += 4) await readThenWrite(ours, 'parent', i);
        })(),
      ),
    );
    const [reply] = (await answer) as [{ committed?: number; error?: string }];
    expect(reply).toEqual({ committed: count });
    const { rows } = await sql<{
      who: string;
      n: number;
    }>`SELECT who, count(*) AS n FROM scratch GROUP BY who ORDER BY who`.execute(store.db);
    expect(rows).toEqual([
      { who: 'child', n: count },
      { who: 'parent', n: count },
    ]);
  });
});
