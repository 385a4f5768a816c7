import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

export interface StatementCacheLimits {
  /** Statements kept. */
  count: number;
  /**
   * Characters of SQL kept, all texts together: a prepared statement's memory grows with its text
   * (~35 bytes a character for a multi-row INSERT, 160 KB for one of 100 records).
   */
  chars: number;
}

/**
 * The better-sqlite3 handle Kysely is given, with prepared statements kept by their SQL text.
 * Kysely's SQLite driver prepares every query it runs; preparing costs more than running a small
 * indexed query, and the app sends the same few hundred texts again and again (sealing a record
 * was 13% of the engine's CPU in `Statement` alone). Past the limits, one not used since the
 * last eviction passed it goes (the clock, or second-chance, approximation of least recently
 * used): a hit only sets a flag, where moving the text to the map's end on every hit cost 2% of
 * the engine's thread at 2,000 runs in flight. A statement still iterating a `stream()` is busy:
 * that caller gets a fresh one.
 *
 * The characters' limit is for batches: multi-row INSERTs and `IN` lists have a text per size,
 * and the sealing thread's connection, counting statements only, kept 500 of them (363,000
 * characters, its malloc arena growing to ~30 MB, concurrency benchmark at 1,000 runs in flight).
 * A text longer than the whole budget is prepared for its one use: preparing costs ~6 µs a row.
 */
export function withCachedStatements(
  sqlite: SqliteDatabase.Database,
  limits: StatementCacheLimits = { count: 500, chars: 64 * 1024 },
): KyselySqliteDatabase {
  const statements = new Map<string, { statement: SqliteDatabase.Statement; used: boolean }>();
  let chars = 0;
  const evict = () => {
    while (statements.size > limits.count || chars > limits.chars) {
      for (const [sql, entry] of statements) {
        statements.delete(sql);
        if (!entry.used) {
          chars -= sql.length;
          break;
        }
        // A second chance: to the end, unmarked.
        entry.used = false;
        statements.set(sql, entry);
      }
    }
  };
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.statement.busy) {
        cached.used = true;
        return cached.statement;
      }
      const statement = sqlite.prepare(sql);
      if (!cached && sql.length <= limits.chars) {
        statements.set(sql, { statement, used: false });
        chars += sql.length;
        evict();
      }
      return statement;
    },
  };
}
