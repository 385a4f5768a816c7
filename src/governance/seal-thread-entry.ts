// The sealing thread (seal-thread.ts): its own connection to the store, `sealAttempts` for each
// request, SQLite's writer lock borrowed from the main thread for each seal transaction.
import { parentPort, workerData } from 'node:worker_threads';
import { createSystemClock } from '../platform/clock.ts';
import type { IdKind, Ids } from '../platform/ids.ts';
import { openStore, type Store } from '../store/open-store.ts';
import type { DefinitionCache } from './build-attempt-record.ts';
import { sealAttempts } from './seal-attempts.ts';
import type { FromSealThread, SealThreadData, ToSealThread } from './seal-thread.ts';

const port = parentPort;
if (!port) throw new Error('seal-thread-entry.ts runs in a worker thread');
const data = workerData as SealThreadData;
const post = (message: FromSealThread) => port.postMessage(message);

const grants = new Map<number, () => void>();
let nextLock = 0;

/** Runs `fn` while it borrows the main connection's writer lock (`Store.lendWriter`). */
function holdingMainWriter<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = ++nextLock;
    grants.set(id, () => {
      fn()
        .finally(() => {
          // Committed or rolled back: the main thread may write again, even before it reads this message.
          Atomics.store(data.writerReturned, 0, 1);
          post({ type: 'unlock' });
        })
        .then(resolve, reject);
    });
    post({ type: 'lock', id });
  });
}

/** The ids the request brought, handed out in order. */
function idsFrom(given: Partial<Record<IdKind, string[]>>): Ids {
  const used = new Map<IdKind, number>();
  return {
    next(kind) {
      const at = used.get(kind) ?? 0;
      const id = given[kind]?.[at];
      if (id === undefined) throw new Error(`the seal request brought too few ${kind} ids`);
      used.set(kind, at + 1);
      return id;
    },
    secret() {
      throw new Error('sealing makes no secrets');
    },
  };
}

let store: Store;
try {
  store = await openStore({ ...data.store, migrate: false, poolSize: 2 });
} catch (error) {
  post({ type: 'failed', error });
  // In a worker thread this ends the thread alone; the main thread seals on its event loop.
  process.exit(1);
}
// Checkpoints are the main connection's to run (its checkpointer thread, or SQLite's default there):
// left on here, a seal's commit now and then copied the whole log first (18 ms per commit, not 5).
store.sqlite?.pragma('wal_autocheckpoint = 0');
const sealingStore: Store =
  store.kind === 'sqlite'
    ? { ...store, transaction: (fn) => holdingMainWriter(() => store.transaction(fn)) }
    : store;
const clock = createSystemClock();
const definitions: DefinitionCache = new Map();
// One request at a time, in order: the main thread's sealer sends the next when this one ends.
let queue = Promise.resolve();

async function seal(request: Extract<ToSealThread, { type: 'seal' }>): Promise<void> {
  const invalidated: Array<[string, string]> = [];
  try {
    const written = await sealAttempts(
      {
        store: sealingStore,
        ids: idsFrom(request.ids),
        clock: { ...clock, now: () => request.now },
        config: data.config,
        usageHistory: { invalidate: (orgId, agentId) => invalidated.push([orgId, agentId]) },
      },
      request.attemptIds,
      definitions,
    );
    post({ type: 'sealed', id: request.id, written, invalidated });
  } catch (error) {
    post({ type: 'sealed', id: request.id, written: 0, invalidated, error });
  }
}

port.on('message', (message: ToSealThread) => {
  switch (message.type) {
    case 'locked':
      grants.get(message.id)?.();
      grants.delete(message.id);
      break;
    case 'seal':
      queue = queue.then(() => seal(message));
      break;
    case 'close':
      queue = queue.then(async () => {
        await store.close();
        port.close();
      });
      break;
  }
});
post({ type: 'ready' });
