/**
 * A second process writing to a test's SQLite file (test/sqlite-processes.test.ts): on a message
 * `{ file, who, count }` it runs `count` transactions that read, yield, then write, and answers
 * with how many committed or the error that stopped it.
 */
import { sql } from 'kysely';
import { openStore } from '../../src/store/open-store.ts';
import { readThenWrite } from './sqlite-read-then-write.ts';

process.once('message', async (message) => {
  const { file, who, count } = message as { file: string; who: string; count: number };
  const store = await openStore({ sqlitePath: file, migrate: false });
  try {
    for (let i = 0; i < count; i++) await readThenWrite(store, who, i);
    const row = await sql<{ n: number }>`SELECT count(*) AS n FROM scratch WHERE who = ${who}`.execute(
      store.db,
    );
    process.send?.({ committed: row.rows[0]?.n });
  } catch (error) {
    process.send?.({ error: String(error) });
  } finally {
    await store.close();
    process.disconnect();
  }
});
