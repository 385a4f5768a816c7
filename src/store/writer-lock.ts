import { createMutex, type Mutex } from './mutex.ts';

/** `returned[0]` while the borrower holds the lock, and once it has handed it back. */
const HELD = 0;
const RETURNED = 1;

/**
 * SQLite's writer lock for this process: the mutex every write on the main connection takes, which
 * can also be lent to another thread's connection (the sealing thread's, `Store.lendWriter`).
 *
 * The borrower hands the lock back in shared memory, not only by message: a message waits for the
 * event loop to reach it, and at 4,000 runs in flight on SQLite (concurrency benchmark, 24 s
 * window) that wait was 25 ms at the median and 136 ms at p90 after each seal had committed: the
 * lock sat idle for 5.7 s of the window, and the seals' loans lasted 7.6 s in all; 3.9 s once
 * handed back here. Every write here first looks at the loan (one `Atomics.load`), and so can a
 * hot path whose write waits behind it (`reclaimWriter`: each step commit as it queues).
 */
export function createWriterLock(): {
  lock: Mutex;
  lendWriter(returned: Int32Array, onLent: () => void): void;
  reclaimWriter(): void;
} {
  const mutex = createMutex();
  let loan: { returned: Int32Array; end: () => void } | undefined;

  const reclaimWriter = () => {
    if (!loan || Atomics.load(loan.returned, 0) !== RETURNED) return;
    const { end } = loan;
    loan = undefined;
    end();
  };

  const lock: Mutex = {
    get locked() {
      return mutex.locked;
    },
    run(fn) {
      reclaimWriter();
      return mutex.run(fn);
    },
  };

  return {
    lock,
    lendWriter(returned, onLent) {
      void lock.run(
        () =>
          new Promise<void>((end) => {
            Atomics.store(returned, 0, HELD);
            loan = { returned, end };
            onLent();
          }),
      );
    },
    reclaimWriter,
  };
}
