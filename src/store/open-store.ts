import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import { createMutex } from './mutex.ts';
import type { Database } from './schema.ts';
import { SchemaScopedPostgresDialect } from './schema-scoped-postgres-dialect.ts';
import type { StoreKind } from './store-kind.ts';

/**
 * The database as the rest of the code sees it: Kysely for ordinary queries, plus the raw handle
 * of the one dialect in use for the queue's hot path (`queue/`), which is written per dialect.
 */
export interface Store {
  kind: StoreKind;
  db: Kysely<Database>;
  /** Set on SQLite: the better-sqlite3 handle, for synchronous prepared statements. */
  sqlite: SqliteDatabase.Database | undefined;
  /** Set on PostgreSQL: the pool. */
  pool: pg.Pool | undefined;
  /**
   * Runs `fn` in a transaction. On SQLite every writer (this and the queue's synchronous
   * transactions) goes through one lock, so an open Kysely transaction never swallows a queue write.
   */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** SQLite only: runs a synchronous transaction on the raw handle under the same lock. */
  sqliteWrite<T>(fn: (db: SqliteDatabase.Database) => T): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; unset means SQLite. */
  databaseUrl?: string | undefined;
  /** SQLite file; `:memory:` works for tests. */
  sqlitePath?: string;
  /** PostgreSQL schema to use (created when missing); tests use one per suite. */
  pgSchema?: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
}

const BIGINT_OID = 20;

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : openSqlite(options);
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const lock = createMutex();
  return {
    kind: 'sqlite',
    db,
    sqlite,
    pool: undefined,
    transaction: (fn) => lock.run(() => db.transaction().execute(fn)),
    sqliteWrite: (fn) => lock.run(() => sqlite.transaction(() => fn(sqlite))()),
    close: async () => {
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  if (schema) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: {
      // Times are epoch milliseconds in bigint columns; they fit a JS number exactly.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === BIGINT_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });
  // A checked-out client has no listener of the pool's: if its connection dies between two
  // statements (the database restarting, the network cut), its 'error' event would end the process.
  // The statement in flight fails on its own, and the pool drops a client that is no longer queryable.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    sqlite: undefined,
    pool,
    transaction: (fn) => db.transaction().execute(fn),
    sqliteWrite: () => Promise.reject(new Error('sqliteWrite is for SQLite stores')),
    close: async () => {
      await db.destroy();
    },
  };
}
