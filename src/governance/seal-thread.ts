import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { IdKind } from '../platform/ids.ts';
import { startModuleThread } from '../platform/module-thread.ts';
import type { StoreOptions } from '../store/open-store.ts';
import type { DefinitionCache } from './build-attempt-record.ts';
import { type SealDeps, sealAttempts } from './seal-attempts.ts';

/**
 * Sealing in a thread of its own (DESIGN.md, Governance): reading an attempt's rows, building its
 * record, canonical JSON, SHA-256, the receipt and its signature, and the chain's INSERTs cost ~50
 * µs of the event loop per step on SQLite (engine benchmark: 8,100–8,600 steps/s sealing, 12,700–
 * 13,100 not). The thread opens its own connection to the same database (`store.reopen`) and runs
 * `sealAttempts` there; what the caller injects stays the caller's: the time, and the record and
 * audit ids, come with each request.
 *
 * SQLite has one writer: the thread's seal transaction runs while it borrows the store's writer
 * lock (`Store.lendWriter`), asked for by message and handed back in shared memory, so this
 * connection never waits on the other's lock with the event loop blocked.
 */
export interface SealThread {
  /** Seals these attempts in one transaction there; returns how many records were written. */
  seal(attemptIds: readonly string[]): Promise<number>;
  /** Resolves once the thread has its connection (false: it could not start, sealing stays here). */
  readonly ready: Promise<boolean>;
  close(): Promise<void>;
}

/** What the thread starts from (`workerData`). */
export interface SealThreadData {
  store: StoreOptions;
  config: SealDeps['config'];
  /** Set to 1 by the thread when it hands back the writer lock it borrowed (`Store.lendWriter`). */
  writerReturned: Int32Array;
}

export type ToSealThread =
  | {
      type: 'seal';
      id: number;
      attemptIds: readonly string[];
      now: number;
      ids: Partial<Record<IdKind, string[]>>;
    }
  | { type: 'locked'; id: number }
  | { type: 'close' };

export type FromSealThread =
  | { type: 'ready' }
  | { type: 'failed'; error: unknown }
  | { type: 'lock'; id: number }
  /** The lock is handed back (`writerReturned`): wakes this thread if no write of its own noticed. */
  | { type: 'unlock' }
  | {
      type: 'sealed';
      id: number;
      written: number;
      /** Agents whose estimate history the records added to (`UsageHistoryBook.invalidate`). */
      invalidated: Array<[orgId: string, agentId: string]>;
      error?: unknown;
    };

/**
 * The sealing thread's young generation. V8 grows it to 48 MB under load, as the main thread's,
 * though a seal keeps nothing between batches: at 1,000 runs in flight on a 1 s model the thread
 * held ~25 MB more (RSS per run in flight 268 → 240 KB on SQLite, concurrency bench), and the
 * engine drain stayed within noise (4,961–5,062 against 4,756–5,138 steps/s, alternating).
 */
const SEAL_THREAD_YOUNG_GENERATION_MB = 6;

/** Ids a record takes: its own and its audit entry's. */
const idKinds: IdKind[] = ['grc', 'aud'];

export function startSealThread(
  deps: SealDeps,
  logger: Logger,
  /** Where sealing runs when the thread cannot: this thread, with this cache. */
  definitions: DefinitionCache,
): SealThread {
  const reopen = deps.store.reopen;
  if (!reopen) throw new Error('a sealing thread needs a store another connection can open');
  const writerReturned = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const data: SealThreadData = { store: reopen, config: deps.config, writerReturned };
  const pending = new Map<number, { resolve: (written: number) => void; reject: (error: unknown) => void }>();
  const handBack = () => {
    Atomics.store(writerReturned, 0, 1);
    deps.store.reclaimWriter();
  };
  let nextId = 0;
  let thread: Worker | undefined;
  let exited = Promise.resolve();

  const ready = (async () => {
    try {
      thread = await startModuleThread(new URL('./seal-thread-entry.ts', import.meta.url), data, {
        maxYoungGenerationSizeMb: SEAL_THREAD_YOUNG_GENERATION_MB,
      });
    } catch (error) {
      logger.warn({ err: error }, 'no sealing thread; sealing on the event loop');
      return false;
    }
    const started = thread;
    // The thread keeps the process alive only while a request waits on it.
    started.unref();
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    return new Promise<boolean>((resolve) => {
      started.on('message', (message: FromSealThread) => {
        switch (message.type) {
          case 'ready':
            resolve(true);
            break;
          case 'failed':
            logger.warn(
              { err: message.error },
              'the sealing thread could not open the store; sealing on the event loop',
            );
            resolve(false);
            break;
          case 'lock':
            deps.store.lendWriter(writerReturned, () => {
              // A thread that ended meanwhile cannot hand it back.
              if (thread) started.postMessage({ type: 'locked', id: message.id } satisfies ToSealThread);
              else handBack();
            });
            break;
          case 'unlock':
            deps.store.reclaimWriter();
            break;
          case 'sealed': {
            const request = pending.get(message.id);
            pending.delete(message.id);
            if (pending.size === 0) started.unref();
            // Once committed, as `sealAttempts` does on the event loop.
            for (const [orgId, agentId] of message.invalidated) deps.usageHistory.invalidate(orgId, agentId);
            if (message.error === undefined) request?.resolve(message.written);
            else request?.reject(message.error);
            break;
          }
        }
      });
      started.on('error', (error) => logger.error({ err: error }, 'the sealing thread failed'));
      started.once('exit', () => {
        thread = undefined;
        resolve(false);
        // A lock it held is handed back; what it had not answered stays unsealed for the sweep.
        handBack();
        for (const request of pending.values()) request.reject(new Error('the sealing thread ended'));
        pending.clear();
      });
    });
  })();

  return {
    ready,
    async seal(attemptIds) {
      const current = (await ready) ? thread : undefined;
      if (!current) return sealAttempts(deps, attemptIds, definitions);
      const id = ++nextId;
      const ids = Object.fromEntries(
        idKinds.map((kind) => [kind, attemptIds.map(() => deps.ids.next(kind))]),
      );
      return new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        current.ref();
        current.postMessage({
          type: 'seal',
          id,
          attemptIds,
          now: deps.clock.now(),
          ids,
        } satisfies ToSealThread);
      });
    },
    async close() {
      if (!(await ready) || !thread) return;
      thread.ref();
      thread.postMessage({ type: 'close' } satisfies ToSealThread);
      await exited;
    },
  };
}
