import type { Logger } from 'pino';
import type { DefinitionCache } from './build-attempt-record.ts';
import { type SealDeps, sealAttempts, sealPendingAttempts } from './seal-attempts.ts';
import { type SealThread, startSealThread } from './seal-thread.ts';

/**
 * The worker's sealer: attempts that finish in the same turn are sealed in one transaction (500
 * runs finishing at once cost one chain transaction, not 500). A failed seal is only logged: the
 * attempt stays unsealed and the next sweep seals it.
 */
export interface RecordSealer {
  /** Resolves when the attempt's record is written (or the seal failed and was logged). */
  seal(attemptId: string): Promise<void>;
  /** Seals whatever finished without a record (after a crash); logs and swallows errors. */
  sweep(): Promise<void>;
  /**
   * Starts the sealing thread now rather than at the first seal, and resolves once it is ready
   * (at once without one).
   */
  open(): Promise<void>;
  /** Waits for the seals asked for, then ends the sealing thread (the next seal starts another). */
  close(): Promise<void>;
}

export interface RecordSealerOptions {
  /**
   * Seal in a thread of its own (`seal-thread.ts`), with its own connection to the store; needs a
   * store another connection can open (a SQLite file, PostgreSQL), else sealing stays on the
   * event loop.
   */
  thread?: boolean;
}

/** Attempts sealed in one transaction at most (the sweep's page, too). */
const MAX_BATCH = 500;

export function createRecordSealer(
  deps: SealDeps & { logger: Logger },
  options: RecordSealerOptions = {},
): RecordSealer {
  const pending: Array<{ attemptId: string; done: () => void }> = [];
  /** Attempts asked for through `seal` and not sealed yet: the sweep leaves them to their batch. */
  const asked = new Set<string>();
  let queued = false;
  let chain: Promise<void> = Promise.resolve();
  const definitions: DefinitionCache = new Map();
  const threaded = options.thread === true && deps.store.reopen !== undefined;
  let thread: SealThread | undefined;
  const threadOrNew = () => {
    thread ??= startSealThread(deps, deps.logger, definitions);
    return thread;
  };
  const sealBatch = (attemptIds: readonly string[]) =>
    threaded ? threadOrNew().seal(attemptIds) : sealAttempts(deps, attemptIds, definitions);
  // One seal transaction at a time: they all append to the same chains. The batch is what waits
  // when the previous transaction ends, not what arrived in one turn: taken at flush time, the
  // batches queued behind a slow seal held one to three attempts each, and sealing fell behind
  // the runs finishing (PostgreSQL, 1,000 runs in flight: ~1,000 ended attempts waiting for their
  // seal, which held the worker's claims back).
  const flush = async () => {
    const batch = pending.splice(0, MAX_BATCH);
    queued = pending.length > 0;
    if (queued) chain = chain.then(flush);
    try {
      await sealBatch(batch.map((p) => p.attemptId));
    } catch (error) {
      deps.logger.error({ err: error, attempts: batch.length }, 'sealing failed; the next sweep retries');
    } finally {
      for (const p of batch) {
        asked.delete(p.attemptId);
        p.done();
      }
    }
  };

  return {
    seal(attemptId) {
      return new Promise<void>((resolve) => {
        pending.push({ attemptId, done: resolve });
        asked.add(attemptId);
        if (!queued) {
          queued = true;
          // setImmediate lets every attempt that ended in this turn join the batch.
          setImmediate(() => {
            chain = chain.then(flush);
          });
        }
      });
    },
    sweep() {
      chain = chain.then(() =>
        // The batches' way (the thread, when there is one), minus what they will seal anyway: under
        // load most unsealed attempts are waiting for their batch, and sealing them here as well
        // would do their work twice.
        sealPendingAttempts(deps, { limit: MAX_BATCH, seal: sealBatch, skip: (id) => asked.has(id) }).then(
          (count) => {
            if (count > 0) deps.logger.info({ count }, 'sealed finished attempts that had no record');
          },
          (error: unknown) => deps.logger.error({ err: error }, 'seal sweep failed'),
        ),
      );
      return chain;
    },
    async open() {
      if (threaded) await threadOrNew().ready;
    },
    async close() {
      for (let last: Promise<void> | undefined; last !== chain; ) {
        last = chain;
        await last;
      }
      const closing = thread;
      thread = undefined;
      await closing?.close();
    },
  };
}
