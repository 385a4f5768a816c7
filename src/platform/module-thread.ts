import { type ResourceLimits, Worker } from 'node:worker_threads';
import { bundleModule } from './bundle-module.ts';

/**
 * Starts a TypeScript module (`src/…`) in a worker thread with `workerData`, as the bundle
 * `bundle-module.ts` makes of it; when there is none (a read-only install), through a plain
 * JavaScript entry that registers tsx's loader in the thread first (a thread does not inherit the
 * main thread's).
 */
export async function startModuleThread(
  moduleUrl: URL,
  workerData: unknown,
  resourceLimits?: ResourceLimits,
): Promise<Worker> {
  const bundle = await bundleModule(moduleUrl);
  return bundle
    ? new Worker(bundle, { workerData, resourceLimits })
    : new Worker(new URL('./tsx-thread.js', import.meta.url), {
        workerData,
        argv: [moduleUrl.href],
        resourceLimits,
      });
}
