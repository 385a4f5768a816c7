import { createHash } from 'node:crypto';
import { type Expression, sql } from 'kysely';
import type pg from 'pg';

/**
 * Statements prepared once per PostgreSQL connection. Kysely sends every query unnamed, so
 * PostgreSQL parses and plans it on each execution; under row-level security planning even a
 * lookup by key took ~100 µs, and creating a run made three such reads and writes (concurrency
 * bench, 2,000 runs in flight: the policy read planned 130 µs and ran 28). A query marked with
 * `prepared` is sent as a named statement instead: parsed once per connection, planned generically
 * once PostgreSQL finds that plan no worse than its custom ones. Marked by hand, on hot statements
 * whose text is the same every time and whose best plan does not hang on their values (a run list
 * search does: it stays unnamed). On SQLite the mark is a comment; its statements are cached by
 * text anyway (`cached-statements.ts`).
 */
const MARK = '/* prepared */';
/** The mark itself, for a statement written with `sql` (append it last). */
export const preparedMark = sql.raw<unknown>(` ${MARK}`);

/** `text` marked, for a statement written as text. */
export function markedPrepared(text: string): string {
  return `${text} ${MARK}`;
}

/** Marks `query` to be prepared once per connection on PostgreSQL. */
export function prepared<Q extends { modifyEnd(modifier: Expression<unknown>): Q }>(query: Q): Q {
  return query.modifyEnd(preparedMark);
}

/**
 * Makes `client` send marked statements as named ones. Names come from the text, so one text is
 * one statement on every connection, and only marked texts, a fixed set, are ever named.
 */
export function namePreparedStatements(client: pg.PoolClient): void {
  // Looked up on each call, not kept: whatever wraps the class's method (tracing, a test's spy)
  // still sees every statement.
  const query = (...args: unknown[]) =>
    (Object.getPrototypeOf(client).query as (...a: unknown[]) => unknown).apply(client, args);
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) =>
    typeof config === 'string' && config.endsWith(MARK) && typeof values !== 'function'
      ? query({ name: nameOf(config), text: config, values }, callback)
      : query(config, values, callback);
}

const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `agentruns_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
