import { createBenchmarkLoop } from '../../benchmarks/benchmark-loop.ts';
import { createDeps } from '../../create-deps.ts';
import { createWorker } from '../../engine/worker.ts';
import { preloadTokenizer } from '../../models/preload-tokenizer.ts';
import { createNotifier } from '../../notify/notifier.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { startMetricsServer } from '../../observability/metrics-server.ts';
import type { Config } from '../../platform/config.ts';
import { applyHeapGrowth } from '../../platform/heap-growth.ts';
import { createExtractionWorker } from '../../sites/extraction-worker.ts';
import { createUploadRuns } from '../../triggers/upload-runs.ts';
import { onShutdown } from './serve.ts';

/** `agentruns worker`: runs attempts only; start as many as the database can feed. */
export async function work(config: Config): Promise<void> {
  const heapGrowth = applyHeapGrowth(config.heapGrowthPercent);
  const deps = await createDeps(config);
  if (heapGrowth) deps.metrics?.reportHeapGrowth(heapGrowth);
  await preloadTokenizer(deps);
  const worker = createWorker(deps, {
    concurrency: config.workerConcurrency,
    childRunDepthLimit: config.childRunDepthLimit,
    leaseMs: config.workerLeaseMs,
    pollIntervalMs: config.workerPollMs,
    sealThread: true,
  });
  worker.start();
  const extraction = createExtractionWorker(deps);
  extraction.start();
  // Benchmarks of finished attempts (B2), off the engine.
  const benchmarks = createBenchmarkLoop(deps);
  benchmarks.start();
  // Wakes parents whose child run ended and sends notifications (outbox), off the hot path.
  const notifier = createNotifier(deps);
  notifier.start();
  // Starts the run an upload to a Site with an upload agent owes, once its text is extracted (T3).
  const uploadRuns = createUploadRuns(deps);
  uploadRuns.start();
  console.log(
    `Worker ${worker.id} running (${deps.store.kind}, up to ${config.workerConcurrency} attempts at once)`,
  );
  const metrics =
    config.workerMetricsPort === undefined
      ? undefined
      : await startMetricsServer({
          metrics: deps.metrics ?? createMetrics(deps),
          token: config.metricsToken,
          port: config.workerMetricsPort,
          host: config.host,
        });
  if (metrics) console.log(`Worker metrics on ${metrics.url}`);
  onShutdown(async () => {
    await metrics?.close();
    await worker.stop(config.shutdownGraceMs);
    await extraction.stop();
    await benchmarks.stop();
    await notifier.stop();
    await uploadRuns.stop();
    await deps.close();
    heapGrowth?.stop();
  });
}
