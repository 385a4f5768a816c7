import type { Logger } from 'pino';
import type { Clock } from './clock.ts';

export interface PeriodicLoop {
  /** Starts the passes; a second call while running does nothing. */
  start(): void;
  /** Stops after the pass in flight, if any, and waits for it. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` on the injected clock until stopped. A pass that throws is
 * logged with `failureMessage` and the next one runs on time: background work (scheduling,
 * notifications) must outlive a database hiccup.
 */
export function createPeriodicLoop(
  deps: { clock: Clock; logger: Logger },
  options: { intervalMs: number; failureMessage: string; pass: () => Promise<unknown> },
): PeriodicLoop {
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  return {
    start() {
      if (controller) return;
      const own = new AbortController();
      controller = own;
      loop = (async () => {
        while (!own.signal.aborted) {
          try {
            await options.pass();
          } catch (error) {
            deps.logger.error({ err: error }, options.failureMessage);
          }
          await deps.clock.sleep(options.intervalMs, own.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      controller?.abort();
      await loop;
      controller = undefined;
    },
  };
}
