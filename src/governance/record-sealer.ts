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

export function createRecordSealer(deps: SealDeps & { logger: Logger }): RecordSealer {
  let pending: Array<{ attemptId: string; done: () => void }> = [];
  let scheduled = false;
  let chain: Promise<void> = Promise.resolve();
  const definitions: DefinitionCache = new Map();

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    // One seal transaction at a time: they all append to the same chains.
    chain = chain.then(async () => {
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
    });
  };

  return {
    seal(attemptId) {
      return new Promise<void>((resolve) => {
        pending.push({ attemptId, done: resolve });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    sweep() {
      chain = chain.then(() =>
        sealPendingAttempts(deps, 500, definitions).then(
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
