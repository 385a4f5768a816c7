import type { Deps } from '../deps.ts';
import { createPeriodicLoop } from '../platform/periodic-loop.ts';
import type { Judge } from './model-judge.ts';
import { runBenchmark } from './run-benchmark.ts';

export interface BenchmarkLoop {
  /** Benchmarks every queued result it can claim; returns how many it ran. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A claim older than this is taken up again: the process that claimed it died mid-benchmark. Ten
 * minutes is the default model timeout (AGENTRUNS_MODEL_TIMEOUT_MS), the longest a judge call waits.
 */
const STALE_CLAIM_MS = 11 * 60_000;

/**
 * Works off the queued benchmarks (B2) in every `serve` and `worker` process, away from the
 * engine: a judge's model call can take seconds, and no step waits for it. Each result is claimed
 * with one conditional UPDATE, so two processes never benchmark the same one at once.
 */
export function createBenchmarkLoop(
  deps: Pick<Deps, 'store' | 'models' | 'clock' | 'config' | 'logger'>,
  options: { intervalMs?: number; batch?: number; judge?: Judge } = {},
): BenchmarkLoop {
  const batch = options.batch ?? 20;
  const controller = new AbortController();
  const runOnce = async (): Promise<number> => {
    let ran = 0;
    for (;;) {
      const now = deps.clock.now();
      const candidates = await deps.store.db
        .selectFrom('benchmark_results')
        .selectAll()
        // The IN repeats what the OR implies, so PostgreSQL matches the partial index `benchmark_results_pending`.
        .where('status', 'in', ['pending', 'running'])
        .where((eb) =>
          eb.or([
            eb('status', '=', 'pending'),
            eb.and([eb('status', '=', 'running'), eb('claimed_at', '<', now - STALE_CLAIM_MS)]),
          ]),
        )
        .orderBy('created_at')
        .limit(batch)
        .execute();
      if (candidates.length === 0) return ran;
      for (const row of candidates) {
        const claimed = await deps.store.db
          .updateTable('benchmark_results')
          .set({ status: 'running', claimed_at: now })
          .where('id', '=', row.id)
          .where('status', '=', row.status)
          .where((eb) =>
            row.claimed_at === null ? eb('claimed_at', 'is', null) : eb('claimed_at', '=', row.claimed_at),
          )
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) continue;
        await runBenchmark(deps, row, {
          signal: controller.signal,
          ...(options.judge ? { judge: options.judge } : {}),
        });
        ran++;
      }
    }
  };
  const loop = createPeriodicLoop(deps, {
    intervalMs: options.intervalMs ?? 1000,
    failureMessage: 'benchmark pass failed; trying again',
    pass: runOnce,
  });
  return {
    runOnce,
    start: loop.start,
    async stop() {
      controller.abort();
      await loop.stop();
    },
  };
}
