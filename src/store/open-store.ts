import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, Kysely, sql } from 'kysely';
import pg from 'pg';
import { withCachedStatements } from './cached-statements.ts';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.ts';
import { migrateToLatest } from './migrations.ts';
import { appConnectionUrl, prepareAppRole, userOf } from './postgres-app-role.ts';
import { allowSearchIndexUnderRls, MARK_SEARCH_LEAKPROOF } from './postgres-search-under-rls.ts';
import { namePreparedStatements } from './prepared-statements.ts';
import type { Database } from './schema.ts';
import { SchemaScopedPostgresDialect } from './schema-scoped-postgres-dialect.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { createGroupCommit } from './sqlite-group-commit.ts';
import { SqliteReadDialect } from './sqlite-read-dialect.ts';
import type { StoreKind } from './store-kind.ts';
import { currentTenantScope } from './tenant-scope.ts';
import { createWriterLock } from './writer-lock.ts';

/**
 * The database as the rest of the code sees it: Kysely for ordinary queries, plus the raw handle
 * of the one dialect in use for the queue's hot path (`queue/`), which is written per dialect.
 */
export interface Store {
  kind: StoreKind;
  db: Kysely<Database>;
  /**
   * For reads outside any transaction on a hot path: on a SQLite file a second connection that
   * only reads, answering at once instead of queueing behind the writes on `db`'s one connection
   * (`sqlite-read-dialect.ts`); it sees every committed write. On PostgreSQL, and an in-memory
   * SQLite database no second connection can see, it is `db`.
   */
  reads: Kysely<Database>;
  /** Set on SQLite: the better-sqlite3 handle, for synchronous prepared statements. */
  sqlite: SqliteDatabase.Database | undefined;
  /**
   * Set on PostgreSQL: the system scope's pool (row-level security lets it see every
   * organization), for the queue's hot path and the scheduler's lock only. `db` runs in the scope
   * of `store/tenant-scope.ts`.
   */
  pool: pg.Pool | undefined;
  /** Every PostgreSQL pool the store opened (the system scope's and `db`'s): what a benchmark counts. */
  pools: readonly pg.Pool[];
  /**
   * How another process opens this same database (an evidence export's, issue 09); unset for an
   * in-memory SQLite database, which no other process can see.
   */
  reopen: StoreOptions | undefined;
  /**
   * Runs `fn` in a transaction. On SQLite every writer (this and the queue's synchronous
   * transactions) goes through one lock, so an open Kysely transaction never swallows a queue write,
   * and transactions that wait for it share one commit (`sqlite-group-commit.ts`).
   */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** What opening the store could not set up as it should, for the log at start. */
  warnings: readonly string[];
  /** SQLite only: runs a synchronous transaction on the raw handle under the same lock. */
  sqliteWrite<T>(fn: (db: SqliteDatabase.Database) => T): Promise<T>;
  /**
   * Lends the writer lock (what `transaction` and `sqliteWrite` take) to a writer on another
   * connection of this process (the sealing thread's), so this connection starts no write that
   * would wait on that one's, which in better-sqlite3 would block the event loop. `onLent` runs
   * once every earlier holder is done. The borrower hands the lock back by setting `returned[0]`
   * to 1 (`Atomics.store`) once its transaction has committed or rolled back; this thread takes
   * it back at its next write or `reclaimWriter()`, not only when its event loop reaches the
   * borrower's message. On PostgreSQL, where writers wait on the server, `onLent` runs at once.
   */
  lendWriter(returned: Int32Array, onLent: () => void): void;
  /**
   * Takes back a lent writer lock its borrower has handed back (one `Atomics.load` otherwise): for
   * the borrower's message, and for a hot path whose write waits behind the loan (a step commit).
   */
  reclaimWriter(): void;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; unset means SQLite. */
  databaseUrl?: string | undefined;
  /** SQLite file; `:memory:` works for tests. */
  sqlitePath?: string;
  /** PostgreSQL schema to use (created when missing); tests use one per suite. */
  pgSchema?: string;
  /**
   * The role the application's queries run as (`DATABASE_APP_URL`): not the tables' owner, no
   * BYPASSRLS. Unset: `databaseUrl` with the user `agentruns_app`.
   */
  appDatabaseUrl?: string | undefined;
  /** Connections in each PostgreSQL pool. */
  poolSize?: number;
  /** `false`: the database is known to be migrated (another process of ours opened it). */
  migrate?: boolean;
}

const BIGINT_OID = 20;

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  const store = openSqlite(options);
  if (options.migrate === false) return store;
  try {
    await migrateToLatest(store.db as Kysely<unknown>, store.kind);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(options: StoreOptions): Store {
  const file = options.sqlitePath ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL with synchronous=NORMAL: a commit survives a process crash (the engine's promise);
  // only an OS crash or power loss can drop the last few commits.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Statement journals in memory. Inside a transaction every statement that may abort copies each
  // page it touches first; past 64 KiB that copy spills to a temp file and stays there for the rest
  // of the transaction, so a group commit of a few hundred steps wrote 24 KiB per step to it in
  // 6 syscalls (engine benchmark: 38.7 → 14.5 KiB written per step; CPU per step 4–20 % lower in
  // three alternating pairs). A journal holds one statement's pages, so memory stays small; big
  // sorts still spill to files.
  sqlite.pragma('temp_store = MEMORY');
  // The process that opens the store as its owner (it migrates) checkpoints; others leave it be.
  const checkpointer =
    file !== ':memory:' && options.migrate !== false ? startCheckpointer(sqlite, file) : undefined;
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withCachedStatements(sqlite) }),
  });
  const reads =
    file === ':memory:'
      ? db
      : new Kysely<Database>({
          dialect: new SqliteReadDialect(() => withCachedStatements(openReader(file))),
        });
  const { lock, lendWriter, reclaimWriter } = createWriterLock();
  return {
    kind: 'sqlite',
    db,
    reads,
    sqlite,
    pool: undefined,
    pools: [],
    warnings: [],
    reopen: file === ':memory:' ? undefined : { sqlitePath: file },
    transaction: createGroupCommit(db, lock),
    sqliteWrite: (fn) => lock.run(() => sqlite.transaction(() => fn(sqlite)).immediate()),
    lendWriter,
    reclaimWriter,
    close: async () => {
      await checkpointer?.stop();
      if (reads !== db) await reads.destroy();
      await db.destroy();
    },
  };
}

/** The second connection of `Store.reads`: refuses writes, waits for the rare lock a reader meets. */
function openReader(file: string): SqliteDatabase.Database {
  const reader = new SqliteDatabase(file);
  reader.pragma('busy_timeout = 5000');
  reader.pragma('query_only = ON');
  reader.pragma('temp_store = MEMORY');
  return reader;
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  const searchPath = schema ? `-c search_path=${schema} ` : '';
  const warnings = options.migrate === false ? [] : await migrateAsOwner(url, options, searchPath);
  const appUrl = appConnectionUrl(url, options.appDatabaseUrl);
  if (userOf(appUrl) === userOf(url))
    throw new Error(
      'the application must not connect as the role that owns the tables: set DATABASE_APP_URL to another role (README, PostgreSQL)',
    );
  const poolOptions = (extra: string): pg.PoolConfig => ({
    connectionString: appUrl,
    max: options.poolSize ?? 10,
    ...(searchPath || extra ? { options: `${searchPath}${extra}`.trim() } : {}),
    types: {
      // Times are epoch milliseconds in bigint columns; they fit a JS number exactly.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === BIGINT_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // The raw pool is the system scope's, for the paths that span organizations and talk to pg
  // directly (the queue's claims and commits, the scheduler's leadership lock). Set once per
  // connection at its start, so the engine's hot path pays nothing for the wall.
  // Every statement there finds its rows by key, and they are prepared once per connection: a
  // generic plan made while `attempts` was small (a new installation, before autovacuum's first
  // ANALYZE) scanned the whole table on every commit and claim as it grew (concurrency bench,
  // PostgreSQL, 1,000 runs in flight: claim 8.5 ms, commit 4.3 ms; with sequential scans off for
  // the application's role, the database's CPU per model call went 3.8 → 2.6 ms). A sequential
  // scan stays possible where no index serves.
  const pool = new pg.Pool(poolOptions('-c agentruns.scope=system -c enable_seqscan=off'));
  // Kysely's pool sets each connection to the tenant scope in force when it is checked out.
  const scopedPool = new pg.Pool(poolOptions(''));
  for (const p of [pool, scopedPool]) {
    p.on('error', () => {
      // An idle client lost its connection; the pool replaces it on the next checkout.
    });
    // A checked-out client has no listener of the pool's: if its connection dies between two
    // statements (the database restarting, the network cut), its 'error' event would end the
    // process. The statement in flight fails on its own, and the pool drops the broken client.
    p.on('connect', (client) => {
      client.on('error', () => undefined);
    });
  }
  scopedPool.on('connect', namePreparedStatements);
  const db = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect({ pool: scopedPool, onReserveConnection: applyTenantScope }),
  });
  return {
    kind: 'postgres',
    db,
    reads: db,
    sqlite: undefined,
    pool,
    pools: [pool, scopedPool],
    warnings,
    reopen: {
      databaseUrl: url,
      appDatabaseUrl: options.appDatabaseUrl,
      ...(schema === undefined ? {} : { pgSchema: schema }),
    },
    transaction: (fn) => db.transaction().execute(fn),
    sqliteWrite: () => Promise.reject(new Error('sqliteWrite is for SQLite stores')),
    lendWriter: (_returned, onLent) => onLent(),
    reclaimWriter: () => {},
    close: async () => {
      await db.destroy();
      await pool.end();
    },
  };
}

/**
 * The owner (the `DATABASE_URL` role) creates the schema, migrates, and grants the application's
 * role what it needs; then it disconnects. It runs in the system scope: row-level security is
 * forced on the owner too, and a migration may rewrite every organization's rows.
 */
async function migrateAsOwner(url: string, options: StoreOptions, searchPath: string): Promise<string[]> {
  const ownerPool = new pg.Pool({
    connectionString: url,
    max: 1,
    options: `${searchPath}-c agentruns.scope=system`,
  });
  const owner = new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool: ownerPool }) });
  try {
    if (options.pgSchema) await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${options.pgSchema}`).execute(owner);
    await migrateToLatest(owner, 'postgres');
    const client = await ownerPool.connect();
    try {
      const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      await prepareAppRole(
        client,
        userOf(appConnectionUrl(url, options.appDatabaseUrl)),
        rows[0]?.schema ?? 'public',
      );
      if ((await allowSearchIndexUnderRls(client)) === 'not-permitted')
        return [
          `run and chunk search cannot use their index under row-level security (slow at scale): as a superuser, run ${MARK_SEARCH_LEAKPROOF} in this database (README, PostgreSQL)`,
        ];
      return [];
    } finally {
      client.release();
    }
  } finally {
    await owner.destroy();
  }
}

/** The connections each remember the scope last set on them, so a checkout sets it only on a change. */
const appliedScope = new WeakMap<DatabaseConnection, string>();

async function applyTenantScope(connection: DatabaseConnection): Promise<void> {
  const scope = currentTenantScope();
  if (scope.kind === 'kept') return;
  const key = scope.kind === 'system' ? 'system' : `org:${scope.orgId}`;
  if (appliedScope.get(connection) === key) return;
  appliedScope.delete(connection);
  // Session-wide (is_local false) and set outside any transaction, so a rollback cannot undo it;
  // every checkout compares, so a connection never carries one request's tenant into the next.
  await connection.executeQuery(
    CompiledQuery.raw(
      "SELECT set_config('agentruns.organization_id', $1, false), set_config('agentruns.scope', $2, false)",
      [scope.kind === 'organization' ? scope.orgId : '', scope.kind === 'system' ? 'system' : 'organization'],
    ),
  );
  appliedScope.set(connection, key);
}
