import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Moves SQLite's checkpoints off the path of a commit. By default the connection that commits past
 * 1,000 pages of write-ahead log copies the whole log into the database file before its commit
 * returns: a step's commit now and then took milliseconds more (the engine's p99 added latency per
 * model call, 2.5 ms). Here the store's connection never checkpoints (`wal_autocheckpoint = 0`)
 * and a thread with its own connection runs a PASSIVE checkpoint every `intervalMs`, which waits
 * for no one; once the log is copied, the next commit starts writing it from the beginning again,
 * so it stays small. Other processes opening the same file keep SQLite's default.
 */
export function startCheckpointer(
  sqlite: SqliteDatabase.Database,
  file: string,
  intervalMs = 200,
): Checkpointer {
  sqlite.pragma('wal_autocheckpoint = 0');
  const thread = new Worker(new URL('./sqlite-checkpoint-thread.js', import.meta.url), {
    workerData: { file, intervalMs },
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  // A thread that ends unasked (its connection could not open the file, it threw) hands
  // checkpoints back to SQLite, so the log cannot grow without bound.
  thread.on('exit', () => {
    if (!stopping && sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  });
  thread.on('error', () => undefined);
  // It holds nothing that would keep the process alive: the store's close stops it.
  thread.unref();
  return {
    async stop() {
      stopping = true;
      // Held while it stops: an unreferenced thread would let the process end mid-await (exit 13).
      thread.ref();
      thread.postMessage('stop');
      await exited;
    },
  };
}
