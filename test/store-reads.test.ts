import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../src/store/open-store.ts';
import { hasPostgres, POSTGRES_URL } from './support/environment.ts';

const readKv = (store: Store, key: string) =>
  store.reads.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst();

describe('Store.reads on a SQLite file', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-reads-'));
    store = await openStore({ sqlitePath: path.join(dir, 'agentruns.db') });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** This process's open descriptors of the database file itself (Linux). */
  const openDatabaseFiles = () =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === path.join(dir, 'agentruns.db');
      } catch {
        return false;
      }
    }).length;

  it.runIf(process.platform === 'linux')('opens its connection at the first read, not before', async () => {
    // The writer's connection, and the checkpointer's once its thread has started.
    await vi.waitFor(() => expect(openDatabaseFiles()).toBe(2), { timeout: 10_000 });
    await readKv(store, 'nothing');
    expect(openDatabaseFiles()).toBe(3);
  });

  it('is a connection of its own that sees every committed write', async () => {
    expect(store.reads).not.toBe(store.db);
    await store.transaction((trx) => trx.insertInto('kv').values({ key: 'a', value: 'one' }).execute());
    expect(await readKv(store, 'a')).toEqual({ value: 'one' });
    await store.sqliteWrite((db) => db.prepare(`UPDATE kv SET value = 'two' WHERE key = 'a'`).run());
    expect(await readKv(store, 'a')).toEqual({ value: 'two' });
  });

  it('answers while a transaction holds the writer, without what it has not committed', async () => {
    await store.transaction((trx) => trx.insertInto('kv').values({ key: 'b', value: 'before' }).execute());
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside = () => {};
    const written = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const transaction = store.transaction(async (trx) => {
      await trx.updateTable('kv').set({ value: 'after' }).where('key', '=', 'b').execute();
      inside();
      await held;
    });
    await written;
    // On the writer's connection this read would queue behind the open transaction until it ends.
    expect(await readKv(store, 'b')).toEqual({ value: 'before' });
    release();
    await transaction;
    expect(await readKv(store, 'b')).toEqual({ value: 'after' });
  });

  it('refuses to write or to open a transaction, and nothing is written', async () => {
    await expect(store.reads.insertInto('kv').values({ key: 'c', value: 'no' }).execute()).rejects.toThrow(
      /read connection does not write/,
    );
    await expect(store.reads.transaction().execute(async () => undefined)).rejects.toThrow(
      /takes no transactions: use Store.transaction/,
    );
    expect(await store.db.selectFrom('kv').selectAll().where('key', '=', 'c').execute()).toEqual([]);
  });
});

describe('Store.reads where no second connection can be opened or is needed', () => {
  it('is the store’s own connection on an in-memory SQLite database', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    try {
      expect(store.reads).toBe(store.db);
      await store.transaction((trx) => trx.insertInto('kv').values({ key: 'm', value: 'memory' }).execute());
      expect(await readKv(store, 'm')).toEqual({ value: 'memory' });
    } finally {
      await store.close();
    }
  });

  it.runIf(hasPostgres)('is the store’s own pool on PostgreSQL', async () => {
    const schema = `reads_${process.pid}`;
    const store = await openStore({ databaseUrl: POSTGRES_URL, pgSchema: schema, poolSize: 2 });
    try {
      expect(store.reads).toBe(store.db);
    } finally {
      await store.close();
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  });
});
