import type { Kysely } from 'kysely';
import type { Mutex } from './mutex.ts';
import type { Database } from './schema.ts';

/** Transactions that share one commit at most: bounds how long the batch holds the writer lock. */
const MAX_BATCH = 64;

interface Waiting {
  fn: (trx: Kysely<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * SQLite transactions with group commit: transactions that queue while another holds the writer
 * lock run next in one `BEGIN … COMMIT`, each in its own savepoint, so a commit's WAL write (most
 * of a small transaction's cost: every page it touched, and the checkpoints that follow) is paid
 * once for the group. Each still runs alone and in order, sees the writes of those before it, and
 * rolls back alone when it throws; each caller hears back only once the group has committed.
 * A transaction that finds nobody waiting runs as before, without a savepoint.
 */
export function createGroupCommit(db: Kysely<Database>, lock: Mutex) {
  const waiting: Waiting[] = [];
  let scheduled = false;

  const runBatch = async () => {
    scheduled = false;
    const batch = waiting.splice(0, MAX_BATCH);
    if (waiting.length > 0) schedule(true);
    const [only] = batch;
    if (batch.length === 1 && only) {
      await db.transaction().execute(only.fn).then(only.resolve, only.reject);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const trx = await db.startTransaction().execute();
    try {
      for (const [i, item] of batch.entries()) {
        const savepoint = `group_${i}`;
        const inner = await trx.savepoint(savepoint).execute();
        try {
          outcomes.push({ ok: true, value: await item.fn(inner) });
          await inner.releaseSavepoint(savepoint).execute();
        } catch (error) {
          outcomes.push({ ok: false, error });
          await inner.rollbackToSavepoint(savepoint).execute();
          await inner.releaseSavepoint(savepoint).execute();
        }
      }
      await trx.commit().execute();
    } catch (error) {
      // The commit (or a savepoint statement) failed: nothing of the group was written.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    }
  };

  // A batch that follows another waits for the event loop's next turn: a backlog of hundreds would
  // otherwise run as one chain of microtasks, and the sockets waiting meanwhile (model answers,
  // requests) with it.
  const schedule = (afterBatch = false) => {
    if (scheduled) return;
    scheduled = true;
    if (afterBatch) setImmediate(() => void lock.run(runBatch));
    else void lock.run(runBatch);
  };

  return function transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      waiting.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  };
}
