import type { EventBus } from '../platform/event-bus.ts';
import type { AttemptCommit, QueueStore } from '../queue/queue-store.ts';

/**
 * Group commit: every step commit that arrives while a flush is pending joins one transaction.
 * Each run still commits a step before it starts the next (its promise resolves after the
 * transaction), but 500 runs in flight cost one fsync-bound commit instead of 500.
 */
export interface StepCommitter {
  /** Resolves true when written; false when the attempt is no longer held (canceled, or taken over). */
  commit(commit: AttemptCommit): Promise<boolean>;
  /** Commits written so far and transactions used: the benchmark's "commits per step". */
  readonly stats: { commits: number; transactions: number };
}

interface Pending {
  commit: AttemptCommit;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

export function createStepCommitter(
  queue: QueueStore,
  bus: EventBus,
  options: {
    maxBatch?: number;
    maxInFlight?: number;
    /**
     * Runs as each commit joins the queue: the store's `reclaimWriter`, so a writer lock the sealing
     * thread has handed back is taken back then, not when the event loop reaches its message.
     */
    onQueued?: () => void;
  } = {},
): StepCommitter {
  const maxBatch = options.maxBatch ?? 500;
  const maxInFlight = options.maxInFlight ?? 1;
  let pending: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  const stats = { commits: 0, transactions: 0 };

  const flush = async (): Promise<void> => {
    scheduled = false;
    while (pending.length > 0 && inFlight < maxInFlight) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      inFlight++;
      try {
        const written = await queue.commit(batch.map((p) => p.commit));
        stats.transactions++;
        stats.commits += written.size;
        for (const p of batch) {
          const ok = written.has(p.commit.attemptId);
          p.resolve(ok);
          if (ok) bus.publish(`run:${p.commit.runId}`);
        }
      } catch (error) {
        for (const p of batch) p.reject(error);
      } finally {
        inFlight--;
      }
    }
  };

  return {
    stats,
    commit(commit) {
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ commit, resolve, reject });
        options.onQueued?.();
        if (!scheduled) {
          scheduled = true;
          // setImmediate lets every run whose model answered in this turn join the batch.
          setImmediate(() => void flush());
        }
      });
    },
  };
}
