import { type Compilable, type Kysely, type OperationNodeSource, sql } from 'kysely';
import { preparedMark } from './prepared-statements.ts';
import type { StoreKind } from './store-kind.ts';

/** A write built but not run: an insert, update or delete of Kysely's builders. */
export type Write = Compilable & OperationNodeSource;

/**
 * Runs several writes as one statement on PostgreSQL: all but the last become data-modifying CTEs
 * (`WITH w0 AS (INSERT …), w1 AS (…) INSERT …`), each run exactly once, and foreign keys are checked
 * when the whole statement ends, so a child row may sit beside its parent's insert. One round trip
 * instead of one per write: creating a run went from nine round trips in its transaction to four.
 * On SQLite a statement costs no round trip and data-modifying CTEs do not exist: the writes run
 * one after another, in order. `prepared` sends the statement as one prepared per connection
 * (`prepared-statements.ts`): for a caller whose statement has a few shapes at most.
 */
export async function executeTogether<DB>(
  db: Kysely<DB>,
  kind: StoreKind,
  writes: readonly Write[],
  options: { prepared?: boolean } = {},
): Promise<void> {
  if (kind === 'sqlite' || writes.length < 2) {
    for (const write of writes) await db.executeQuery(write.compile());
    return;
  }
  const ctes = writes.slice(0, -1).map((write, i) => sql`${sql.id(`w${i}`)} AS (${write})`);
  const mark = options.prepared ? preparedMark : sql``;
  await sql`WITH ${sql.join(ctes)} ${writes[writes.length - 1]}${mark}`.execute(db);
}
