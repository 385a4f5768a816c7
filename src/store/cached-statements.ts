import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/**
 * The better-sqlite3 handle Kysely is given, with prepared statements kept by their SQL text.
 * Kysely's SQLite driver prepares every query it runs; preparing costs more than running a small
 * indexed query, and the app sends the same few hundred texts again and again (sealing a record
 * was 13% of the engine's CPU in `Statement` alone). Least recently used texts are dropped past
 * `limit`. A statement still iterating a `stream()` is busy: that caller gets a fresh one.
 */
export function withCachedStatements(sqlite: SqliteDatabase.Database, limit = 500): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Re-inserting keeps the map in least-recently-used order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > limit) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}
