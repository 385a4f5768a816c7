import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/api/create-app.ts';
import { createWorker, type Worker } from '../../src/engine/worker.ts';
import { createTestDeps, type TestDeps } from './test-deps.ts';

export interface WebServer {
  url: string;
  deps: TestDeps;
  app: FastifyInstance;
  /** The worker is started by the test, so a page can be seen while a run waits in the queue. */
  worker: Worker;
  startWorker(): void;
  close(): Promise<void>;
}

/**
 * The real server for browser suites: API + built web UI on a free loopback port, over a fresh
 * SQLite store in a temp DATA_DIR, with a real worker on the system clock.
 */
export async function startWebServer(webDir: string): Promise<WebServer> {
  const deps = await createTestDeps('sqlite');
  const app = await createApp({ ...deps, config: { ...deps.config, webDir } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const worker = createWorker(deps, { concurrency: 20, pollIntervalMs: 200 });
  let started = false;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    app,
    worker,
    startWorker() {
      if (started) return;
      started = true;
      worker.start();
    },
    async close() {
      await app.close();
      if (started) await worker.stop();
      await deps.close();
    },
  };
}
