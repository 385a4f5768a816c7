import type { Logger } from 'pino';
import type { DefinitionCache } from './build-attempt-record.ts';
import { type SealDeps, sealAttempts, sealPendingAttempts } from './seal-attempts.ts';

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
}

/** Attempts sealed in one transaction at most (the sweep's page, too). */
const MAX_BATCH = 500;

export function createRecordSealer(deps: SealDeps & { logger: Logger }): RecordSealer {
  const pending: Array<{ attemptId: string; done: () => void }> = [];
  let queued = false;
  let chain: Promise<void> = Promise.resolve();
  const definitions: DefinitionCache = new Map();

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
      await sealAttempts(
        deps,
        batch.map((p) => p.attemptId),
        definitions,
      );
    } catch (error) {
      deps.logger.error({ err: error, attempts: batch.length }, 'sealing failed; the next sweep retries');
    } finally {
      for (const p of batch) p.done();
    }
  };

  return {
    seal(attemptId) {
      return new Promise<void>((resolve) => {
        pending.push({ attemptId, done: resolve });
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
        sealPendingAttempts(deps, MAX_BATCH, definitions).then(
          (count) => {
            if (count > 0) deps.logger.info({ count }, 'sealed finished attempts that had no record');
          },
          (error: unknown) => deps.logger.error({ err: error }, 'seal sweep failed'),
        ),
      );
      return chain;
    },
  };
}
