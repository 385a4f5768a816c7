import { ensureWebUi } from '../../api/build-web-ui.ts';
import { createApp } from '../../api/create-app.ts';
import { DEFAULT_WEB_DIR } from '../../api/web-ui.ts';
import { createBenchmarkLoop } from '../../benchmarks/benchmark-loop.ts';
import { createDeps } from '../../create-deps.ts';
import { createWorker } from '../../engine/worker.ts';
import { bootstrap } from '../../identity/bootstrap.ts';
import { preloadTokenizer } from '../../models/preload-tokenizer.ts';
import { createNotifier } from '../../notify/notifier.ts';
import type { Config } from '../../platform/config.ts';
import { applyHeapGrowth } from '../../platform/heap-growth.ts';
import { createExtractionWorker } from '../../sites/extraction-worker.ts';
import { createScheduler } from '../../triggers/scheduler.ts';
import { createUploadRuns } from '../../triggers/upload-runs.ts';

/**
 * `agentruns serve`: API, worker and (from issue 05) the scheduler in one process, on the
 * embedded store by default. `--no-worker` serves the API only, for scale-out.
 */
export async function serve(config: Config, options: { worker: boolean }): Promise<void> {
  const heapGrowth = applyHeapGrowth(config.heapGrowthPercent);
  await ensureWebUi(config.webDir ?? DEFAULT_WEB_DIR);
  const deps = await createDeps(config);
  if (heapGrowth) deps.metrics?.reportHeapGrowth(heapGrowth);
  await preloadTokenizer(deps);
  const first = await bootstrap(deps);
  if (first.created) {
    const password = first.generatedPassword
      ? `password ${first.generatedPassword} (also in ${config.dataDir}/initial-admin.txt)`
      : 'the password from AGENTRUNS_ADMIN_PASSWORD';
    console.log(`First start: created the administrator ${first.email} with ${password}`);
  }
  const app = await createApp(deps);
  const worker = options.worker
    ? createWorker(deps, {
        concurrency: config.workerConcurrency,
        childRunDepthLimit: config.childRunDepthLimit,
        leaseMs: config.workerLeaseMs,
        pollIntervalMs: config.workerPollMs,
        sealThread: true,
      })
    : undefined;
  worker?.start();
  // Sites: uploaded documents are extracted and indexed in the background by the worker process.
  const extraction = options.worker ? createExtractionWorker(deps) : undefined;
  extraction?.start();
  // Benchmarks of finished attempts (B2) are judged by the worker processes, off the engine.
  const benchmarks = options.worker ? createBenchmarkLoop(deps) : undefined;
  benchmarks?.start();
  // The scheduler slot: every serve process runs one; on PostgreSQL one of them leads (advisory lock).
  const scheduler = createScheduler(deps);
  scheduler.start();
  // Wakes parents whose child run ended and sends notifications (outbox), off the hot path.
  const notifier = createNotifier(deps);
  notifier.start();
  // Starts the run an upload to a Site with an upload agent owes, once its text is extracted (T3).
  const uploadRuns = createUploadRuns(deps);
  uploadRuns.start();
  await app.listen({ port: config.port, host: config.host });
  const where = deps.store.kind === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL';
  console.log(`Agent Runs on http://localhost:${config.port} (${where}${worker ? ', worker running' : ''})`);
  onShutdown(async () => {
    await app.close();
    await scheduler.stop();
    await notifier.stop();
    await uploadRuns.stop();
    await worker?.stop(config.shutdownGraceMs);
    await extraction?.stop();
    await benchmarks?.stop();
    await deps.close();
    heapGrowth?.stop();
  });
}

/** SIGTERM / SIGINT: finish what is in flight, then exit; a second signal exits at once. */
export function onShutdown(shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`${signal}: shutting down`);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
