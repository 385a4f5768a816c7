import { performance } from 'node:perf_hooks';
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
  if (startedWithOwnGrowth(execArgv)) return false;
  setGrowingPercent(percent);
  return true;
}

/** `AGENTRUNS_HEAP_GROWTH_PERCENT=auto`: between these, by how busy the event loop is. */
export const STEERED_GROWTH = { spare: 25, busy: 100 } as const;

export interface HeapGrowthSteering {
  /** The growth set now, in percent. */
  readonly percent: number;
  stop(): void;
}

export interface SteerOptions {
  /** Growth while the event loop has time to spare (busy at most `spareBelow` of the time). */
  spare: number;
  /** Growth while it is saturated (busy at least `busyAbove` of the time). */
  busy: number;
  spareBelow?: number;
  busyAbove?: number;
  intervalMs?: number;
  /** Share of the last interval the event loop was busy; `performance.eventLoopUtilization` by default. */
  utilization?: () => number;
  /** Sets the growth; V8's flag by default. */
  apply?: (percent: number) => void;
  execArgv?: readonly string[];
}

/**
 * Steers the old generation's growth by how busy the event loop is, as the JVM's collectors trade
 * heap for GC time against a goal: a full collection costs CPU in proportion to how often it runs,
 * so a heap allowed to grow little is cheap in memory and dear in CPU. While the event loop has time
 * to spare, that CPU is free and the heap is kept near its live data (`spare`); as the loop
 * saturates, collections would take time from the runs themselves, so the heap may grow (`busy`).
 * In between, the growth follows the utilization linearly, rounded to 5 points so the flag changes
 * only when the load does.
 *
 * Measured with the concurrency benchmark's rounds at 1,000 runs in flight on SQLite (a machine
 * where that load keeps the loop ~70 % busy, bench/README.md): a growth of 30 held RSS per run in
 * flight at 85–89 KB against 117–119 at 100, for 15–20 % more CPU per call, which a saturated loop
 * cannot give and a loop at 35 % can. Steered, the same rounds held 96–107 KB with calls per second
 * unchanged, and at 4,000 (saturated) calls within noise of a fixed 100. Nothing is steered when the
 * process was started with a heap growth flag of its own.
 */
export function steerHeapGrowth(options: SteerOptions): HeapGrowthSteering | undefined {
  if (startedWithOwnGrowth(options.execArgv ?? process.execArgv)) return undefined;
  const steering = createGrowthSteering(options);
  const timer = setInterval(steering.tick, options.intervalMs ?? 1000);
  timer.unref();
  return {
    get percent() {
      return steering.percent;
    },
    stop: () => clearInterval(timer),
  };
}

/** The steering without its timer: each `tick` reads the utilization and sets the growth it asks for. */
export function createGrowthSteering(options: SteerOptions): { readonly percent: number; tick: () => void } {
  const spareBelow = options.spareBelow ?? 0.5;
  const busyAbove = options.busyAbove ?? 0.8;
  const apply = options.apply ?? setGrowingPercent;
  const utilization = options.utilization ?? loopUtilization();
  let percent = options.busy;
  let smoothed: number | undefined;
  apply(percent);
  return {
    get percent() {
      return percent;
    },
    tick() {
      // Half the last interval, half the ones before: one burst does not swing the heap.
      const u = utilization();
      smoothed = smoothed === undefined ? u : (smoothed + u) / 2;
      const share = Math.min(1, Math.max(0, (smoothed - spareBelow) / (busyAbove - spareBelow)));
      const next = Math.round((options.spare + (options.busy - options.spare) * share) / 5) * 5;
      if (next === percent) return;
      percent = next;
      apply(percent);
    },
  };
}

/** The share of the time since the previous call that the event loop was busy. */
function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/** V8 reads it at each full collection, when it sets the next one's limit. */
function setGrowingPercent(percent: number): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

function startedWithOwnGrowth(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
}

/**
 * What `serve` and `worker` do with `AGENTRUNS_HEAP_GROWTH_PERCENT`: `auto` steers it between
 * `STEERED_GROWTH.spare` and `.busy`; a number sets it once; 0 leaves V8's own.
 */
export function applyHeapGrowth(setting: number | 'auto'): HeapGrowthSteering | undefined {
  if (setting === 'auto') return steerHeapGrowth(STEERED_GROWTH);
  setHeapGrowth(setting);
  return undefined;
}
