/** A FIFO async lock: `run(fn)` waits for every earlier holder to finish. */
export interface Mutex {
  run<T>(fn: () => Promise<T> | T): Promise<T>;
  readonly locked: boolean;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  let holders = 0;
  return {
    get locked() {
      return holders > 0;
    },
    run<T>(fn: () => Promise<T> | T): Promise<T> {
      holders++;
      const result = tail.then(fn);
      tail = result.then(
        () => holders--,
        () => holders--,
      );
      return result;
    },
  };
}
