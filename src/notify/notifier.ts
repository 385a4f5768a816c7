import type { Deps } from '../deps.ts';
import { createPeriodicLoop } from '../platform/periodic-loop.ts';
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
  const runOnce = async () => {
    await wakeWaitingParents(deps);
    while ((await settleFinishedAttempts(deps)) > 0) {}
    await delivery.runOnce();
  };
  const loop = createPeriodicLoop(deps, {
    intervalMs,
    failureMessage: 'notifier pass failed; trying again',
    pass: runOnce,
  });
  return {
    runOnce,
    start: loop.start,
    async stop() {
      await loop.stop();
      delivery.close();
    },
  };
}
