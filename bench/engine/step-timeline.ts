/**
 * When each step of each chain became runnable and when it started, for the latency figures.
 * Both systems are measured with the same two marks:
 *
 * - `committed(chain, step)`: the write that makes `step` runnable is durable. For Agent Runs,
 *   the queue store's commit of step − 1's result (which also names `step` as the next) returned;
 *   for graphile-worker, the `addJob` of the job for `step` returned.
 * - `started(chain, step)`: the step's work begins. For Agent Runs, the model call starts; for
 *   graphile-worker, the task function is entered.
 *
 * Step 1 has no "previous step", so only steps 2…n produce gaps.
 */
export interface StepTimeline {
  committed(chain: string, step: number): void;
  started(chain: string, step: number): void;
  /** Milliseconds, unsorted, one per step after the first. */
  gaps(): { commitToStartMs: number[]; startToStartMs: number[] };
}

export function createStepTimeline(now: () => number = () => performance.now()): StepTimeline {
  const committedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const key = (chain: string, step: number) => `${chain}#${step}`;
  return {
    committed(chain, step) {
      committedAt.set(key(chain, step), now());
    },
    started(chain, step) {
      startedAt.set(key(chain, step), now());
    },
    gaps() {
      const commitToStartMs: number[] = [];
      const startToStartMs: number[] = [];
      for (const [k, start] of startedAt) {
        const hash = k.lastIndexOf('#');
        const step = Number(k.slice(hash + 1));
        if (step < 2) continue;
        const chain = k.slice(0, hash);
        const committed = committedAt.get(k);
        const previous = startedAt.get(key(chain, step - 1));
        if (committed !== undefined) commitToStartMs.push(start - committed);
        if (previous !== undefined) startToStartMs.push(start - previous);
      }
      return { commitToStartMs, startToStartMs };
    },
  };
}
