import v8 from 'node:v8';

/**
 * Lets V8's old generation grow by `percent` past what survived its last full collection before
 * the next one (V8's `--heap-growing-percent`), for the processes that keep runs in flight.
 *
 * Left to itself, V8 on a machine with memory to spare lets the old generation grow to four times
 * what survives: what a model call keeps for its second is promoted and dies there, so the heap
 * of `serve` or `worker` settled at ~4× its live data. At 100 (twice) the concurrency benchmark's
 * RSS per run in flight went 126–133 → 79–81 KB at 4,000 runs and 180–186 → 114–118 KB at 2,000,
 * for CPU per call within the rounds' noise at 2,000 and in the engine drain, and up to ~10 % more at
 * 4,000, where marking runs three times as often (bench/README.md). Nothing is set when `percent` is
 * 0 or the process was started with a heap growth flag of its own; true when it was set.
 */
export function setHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  if (percent === 0) return false;
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
