import { sql } from 'kysely';
import type { Store } from '../../src/store/open-store.ts';

/** One transaction that reads, lets other work run, then writes what it read plus one. */
export function readThenWrite(store: Store, who: string, i: number): Promise<void> {
  return store.transaction(async (trx) => {
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM scratch`.execute(trx);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await sql`INSERT INTO scratch (who, i, seen) VALUES (${who}, ${i}, ${rows[0]?.n ?? 0})`.execute(trx);
  });
}
