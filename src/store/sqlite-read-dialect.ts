import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase as KyselySqliteDatabase,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
} from 'kysely';

/**
 * Kysely over a second SQLite connection that only reads (`Store.reads`). Its queries never wait:
 * better-sqlite3 answers each one synchronously, so the connection is never held across an await
 * and needs no lock, and in WAL mode a reader neither waits for the writer nor is waited for. On
 * the store's own connection a read queues behind every query and transaction before it, woken a
 * few milliseconds' worth per turn of the event loop (`immediate-sqlite-dialect.ts`): at 4,000
 * runs in flight a create's agent and policy reads waited 18 ms at the median there, for
 * microseconds of work. Each statement is its own read transaction and sees every commit before it.
 */
export class SqliteReadDialect extends SqliteDialect {
  readonly #open: () => KyselySqliteDatabase;

  /** `open` runs at the first query: a process that never reads through it opens no connection. */
  constructor(open: () => KyselySqliteDatabase) {
    super({ database: async () => open() });
    this.#open = open;
  }

  override createDriver(): Driver {
    return new SqliteReadDriver(this.#open);
  }
}

const noTransactions = () =>
  Promise.reject(new Error('the read connection takes no transactions: use Store.transaction'));

class SqliteReadDriver implements Driver {
  readonly #open: () => KyselySqliteDatabase;
  #database: KyselySqliteDatabase | undefined;
  #connection: DatabaseConnection | undefined;

  constructor(open: () => KyselySqliteDatabase) {
    this.#open = open;
  }

  async init(): Promise<void> {
    this.#database = this.#open();
    this.#connection = new SqliteReadConnection(this.#database);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#connection) throw new Error('the read connection is not open');
    return this.#connection;
  }

  beginTransaction = noTransactions;
  commitTransaction = noTransactions;
  rollbackTransaction = noTransactions;

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.#database?.close();
  }
}

class SqliteReadConnection implements DatabaseConnection {
  readonly #database: KyselySqliteDatabase;

  constructor(database: KyselySqliteDatabase) {
    this.#database = database;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#database.prepare(compiled.sql);
    if (!statement.reader)
      throw new Error(`the read connection does not write: ${compiled.sql.slice(0, 60)}`);
    return { rows: statement.all(compiled.parameters) as R[] };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('the read connection streams selects only');
    for (const row of this.#database.prepare(compiled.sql).iterate(compiled.parameters))
      yield { rows: [row as R] };
  }
}
