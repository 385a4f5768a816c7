import { createDeps } from '../../create-deps.ts';
import { createWorker } from '../../engine/worker.ts';
import { createNotifier } from '../../notify/notifier.ts';
import type { Config } from '../../platform/config.ts';
import { createExtractionWorker } from '../../sites/extraction-worker.ts';
import { onShutdown } from './serve.ts';

/** `agentruns worker`: runs attempts only; start as many as the database can feed. */
export async function work(config: Config): Promise<void> {
  const deps = await createDeps(config);
  const worker = createWorker(deps, {
    concurrency: config.workerConcurrency,
    childRunDepthLimit: config.childRunDepthLimit,
    leaseMs: config.workerLeaseMs,
    pollIntervalMs: config.workerPollMs,
  });
  worker.start();
  const extraction = createExtractionWorker(deps);
  extraction.start();
  // Wakes parents whose child run ended and sends notifications (outbox), off the hot path.
  const notifier = createNotifier(deps);
  notifier.start();
  console.log(
    `Worker ${worker.id} running (${deps.store.kind}, up to ${config.workerConcurrency} attempts at once)`,
  );
  onShutdown(async () => {
    await worker.stop(config.shutdownGraceMs);
    await extraction.stop();
    await notifier.stop();
    await deps.close();
  });
}
