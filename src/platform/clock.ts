/** Time as the domain sees it. Injected so tests can drive the engine without waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fire` once after `ms` unless canceled first: a deadline that usually never fires, for
   * the hot path (no promise, no AbortSignal, nothing allocated but the timer).
   */
  timer(ms: number, fire: () => void): { cancel(): void };
}

export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    timer(ms, fire) {
      const handle = setTimeout(fire, ms);
      return { cancel: () => clearTimeout(handle) };
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` passes its deadline,
 * so a test can step through a 5 s model call in no time.
 */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startMs;
  const sleepers = new Set<{ until: number; resolve: () => void }>();
  const wake = () => {
    for (const sleeper of sleepers) {
      if (sleeper.until <= current) {
        sleepers.delete(sleeper);
        sleeper.resolve();
      }
    }
  };
  return {
    now: () => current,
    timer(ms, fire) {
      const sleeper = { until: current + ms, resolve: fire };
      sleepers.add(sleeper);
      if (ms <= 0) wake();
      return { cancel: () => sleepers.delete(sleeper) };
    },
    advance(ms) {
      current += ms;
      wake();
    },
    set(epochMs) {
      current = epochMs;
      wake();
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = {
          until: current + ms,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers.delete(sleeper);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.add(sleeper);
        if (ms <= 0) wake();
      }),
  };
}
