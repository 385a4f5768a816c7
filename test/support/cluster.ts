import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { POSTGRES_URL } from './environment.ts';
import {
  type AgentrunsProcess,
  freePort,
  spawnAgentruns,
  startTcpProxy,
  type TcpProxy,
} from './processes.ts';
import { createTestDeps, type TestDeps } from './test-deps.ts';

/**
 * `agentruns serve` and `agentruns worker` child processes on one PostgreSQL schema (a test's
 * `createTestDeps('postgres')`), each reaching the database through a TCP proxy of its own so a
 * test can cut one process (or all) off the database.
 */
export interface Cluster {
  readonly processes: AgentrunsProcess[];
  /** Starts `agentruns serve --no-worker`; resolves once it listens. Returns its base URL too. */
  serve(
    name: string,
    env?: NodeJS.ProcessEnv,
  ): Promise<{ process: AgentrunsProcess; url: string; proxy: TcpProxy }>;
  /** Starts `agentruns worker`; resolves once it runs and listens for events. */
  worker(name: string, env?: NodeJS.ProcessEnv): Promise<{ process: AgentrunsProcess; proxy: TcpProxy }>;
  /** SIGKILLs every child and closes the proxies. */
  close(): Promise<void>;
}

/**
 * A describe block's PostgreSQL test deps and cluster: made before its tests, closed (children
 * killed first) after them. `ready` hears of both once made; `cleanup` runs between the two closes.
 */
export function usePostgresCluster(
  ready: (deps: TestDeps, cluster: Cluster) => void | Promise<void>,
  cleanup?: () => void,
): void {
  let deps: TestDeps | undefined;
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    deps = await createTestDeps('postgres');
    cluster = createCluster(deps);
    await ready(deps, cluster);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    cleanup?.();
    await deps?.close();
  });
}

export function createCluster(deps: TestDeps): Cluster {
  const processes: AgentrunsProcess[] = [];
  const proxies: TcpProxy[] = [];
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-web-'));
  // The API is what these tests use; a placeholder page keeps `serve` from building the UI.
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Agent Runs</title>');
  const target = new URL(POSTGRES_URL);

  const baseEnv = async (extra: NodeJS.ProcessEnv) => {
    const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    proxies.push(proxy);
    const url = new URL(POSTGRES_URL);
    url.port = String(proxy.port);
    return {
      proxy,
      env: {
        DATABASE_URL: url.toString(),
        AGENTRUNS_PG_SCHEMA: deps.pgSchema,
        DATA_DIR: deps.config.dataDir,
        AGENTRUNS_WEB_DIR: webDir,
        AGENTRUNS_EXAMPLES: '0',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        ...extra,
      },
    };
  };

  return {
    processes,
    async serve(name, extra = {}) {
      const port = await freePort();
      const { proxy, env } = await baseEnv({ PORT: String(port), ...extra });
      const child = spawnAgentruns(name, ['serve', '--no-worker'], env);
      processes.push(child);
      await child.waitForOutput(/Agent Runs on http/, 60_000);
      await child.waitForOutput(/event bus listening/, 30_000);
      return { process: child, url: `http://127.0.0.1:${port}`, proxy };
    },
    async worker(name, extra = {}) {
      const { proxy, env } = await baseEnv(extra);
      const child = spawnAgentruns(name, ['worker'], env);
      processes.push(child);
      await child.waitForOutput(/Worker \S+ running/, 60_000);
      await child.waitForOutput(/event bus listening/, 30_000);
      return { process: child, proxy };
    },
    async close() {
      for (const p of processes) p.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      await Promise.all(proxies.map((p) => p.close()));
      fs.rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to a child `serve` with the test administrator's token. */
export async function callApi<T>(
  url: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
