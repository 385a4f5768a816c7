import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite dialect with transactions that begin IMMEDIATE, taking the database's write lock
 * at `BEGIN` (waiting for it up to `busy_timeout`). A deferred transaction that reads before it
 * writes fails with SQLITE_BUSY_SNAPSHOT, past any timeout, when another process (a second `serve`,
 * a CLI command, the run list benchmark's writer) commits in between: its snapshot is stale. Within
 * one process the store's writer lock already orders transactions, so this changes nothing there.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
