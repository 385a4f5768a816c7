import type { Deps } from '../deps.ts';
import { wakeWaitingParents } from '../triggers/wake-parents.ts';
import { createNotificationDelivery, type DeliveryOptions } from './deliver-notifications.ts';
import { settleFinishedAttempts } from './settle-attempts.ts';

export interface Notifier {
  /** One pass: wake parents whose child ended, settle finished attempts into the outbox, send what is due. */
  runOnce(): Promise<void>;
  /** Passes every `intervalMs` on the injected clock until `stop`. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * What follows an attempt's end, off the engine's hot path: waking a waiting parent (T4) and
 * notifications (N1). Runs in every `serve` and `worker` process; each step is safe to run in
 * several processes at once (level-triggered wake, the outbox key, the optimistic send claim).
 */
export function createNotifier(
  deps: Pick<Deps, 'store' | 'ids' | 'clock' | 'config' | 'logger' | 'bus'>,
  options: DeliveryOptions & { intervalMs?: number } = {},
): Notifier {
  const intervalMs = options.intervalMs ?? 500;
  const delivery = createNotificationDelivery(deps, options);
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  const runOnce = async () => {
    await wakeWaitingParents(deps);
    while ((await settleFinishedAttempts(deps)) > 0) {}
    await delivery.runOnce();
  };
  return {
    runOnce,
    start() {
      if (controller) return;
      const own = new AbortController();
      controller = own;
      loop = (async () => {
        while (!own.signal.aborted) {
          try {
            await runOnce();
          } catch (error) {
            deps.logger.error({ err: error }, 'notifier pass failed; trying again');
          }
          await deps.clock.sleep(intervalMs, own.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      controller?.abort();
      await loop;
      controller = undefined;
      delivery.close();
    },
  };
}
