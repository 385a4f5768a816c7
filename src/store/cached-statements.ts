import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/**
 * The better-sqlite3 handle Kysely is given, with prepared statements kept by their SQL text.
 * Kysely's SQLite driver prepares every query it runs; preparing costs more than running a small
 * indexed query, and the app sends the same few hundred texts again and again (sealing a record
 * was 13% of the engine's CPU in `Statement` alone). Past `limit` texts, one not used since the
 * last eviction passed it goes (the clock, or second-chance, approximation of least recently
 * used): a hit only sets a flag, where moving the text to the map's end on every hit cost 2% of
 * the engine's thread at 2,000 runs in flight. A statement still iterating a `stream()` is busy:
 * that caller gets a fresh one.
 */
export function withCachedStatements(sqlite: SqliteDatabase.Database, limit = 500): KyselySqliteDatabase {
  const statements = new Map<string, { statement: SqliteDatabase.Statement; used: boolean }>();
  const evict = () => {
    while (statements.size > limit) {
      for (const [sql, entry] of statements) {
        statements.delete(sql);
        if (!entry.used) break;
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
      if (!cached) {
        statements.set(sql, { statement, used: false });
        evict();
      }
      return statement;
    },
  };
}
