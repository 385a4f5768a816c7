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

/** How long queued queries may hold the event loop before the next one waits for the loop's next turn. */
const YIELD_AFTER_MS = 5;

/**
 * Also: the one connection is handed out in arrival order, one waiter woken per release. Kysely's
 * own mutex wakes every waiter on each release and all but one go back to waiting: with hundreds
 * of queries queued behind a transaction (a burst of run creations) that was O(waiters) promises
 * per query, the largest allocator in the concurrency benchmark (36 KB per model call; 556–573 →
 * 589–610 calls/s at 2,000 runs in flight, unchanged at 1,000).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #waiting: Array<() => void> = [];
  #held = false;
  #lastTurn = performance.now();

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held = true;
    // Never contended now: Kysely's mutex below sees one caller at a time.
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const next = this.#waiting.shift();
    if (!next) {
      this.#held = false;
      return;
    }
    // SQLite answers synchronously, so a queue of waiters is served as one chain of microtasks
    // that holds the event loop until it is empty (a burst of run creations: hundreds of ms, while
    // model answers and requests wait). Every few milliseconds the next waiter is woken on the
    // loop's next turn instead, after the I/O that arrived meanwhile.
    const now = performance.now();
    if (now - this.#lastTurn < YIELD_AFTER_MS) return next();
    setImmediate(() => {
      this.#lastTurn = performance.now();
      next();
    });
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
