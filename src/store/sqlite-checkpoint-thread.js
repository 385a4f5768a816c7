// The SQLite checkpointer's thread (src/store/sqlite-checkpointer.ts): its own connection to the
// database file, copying the write-ahead log into it every `intervalMs`, off the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
// PASSIVE copies what no reader still needs and never waits: not for the writer, not for readers.
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // SQLITE_BUSY while another connection checkpoints or the file is being closed: next time.
  }
}, workerData.intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
