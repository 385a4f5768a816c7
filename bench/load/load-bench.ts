import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from '../engine/bench-stats.ts';
import { markdownTable } from '../engine/engine-table.ts';

/**
 * Load: `connections` concurrent clients creating and listing runs (one POST, one GET, in turn
 * on every connection) against one `agentruns serve` process on SQLite, and the same requests
 * against a bare Fastify server (`bare-fastify.ts`), A B A B in one invocation. Both servers run
 * in child processes; autocannon drives them from this one. Runs are created unstarted, so the
 * numbers are the API's (authentication, validation, the database write and the list query), not
 * the engine's (bench/engine).
 */
export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  rounds: number;
  log: (line: string) => void;
}

export interface LoadRound {
  system: 'agentruns-serve' | 'bare-fastify';
  round: number;
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface LoadResult {
  kind: 'load';
  at: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string };
  options: { connections: number; durationSeconds: number; rounds: number };
  rounds: LoadRound[];
  summary: Record<
    string,
    { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number; errors: number; non2xx: number }
  >;
  /** agentruns-serve's median throughput as a fraction of bare Fastify's. */
  throughputRatio: number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runTs = path.join(root, 'bin/run-ts.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject()));
    });
  });
}

export async function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start in 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before it was ready:\n${output}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function json<T>(url: string, init: RequestInit): Promise<{ body: T; headers: Headers }> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return { body: (await res.json()) as T, headers: res.headers };
}

/** A fresh `serve` on SQLite, an API token and an agent to create runs of. */
async function startServe() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-load-'));
  const port = await freePort();
  const password = 'load benchmark password';
  const child = await startChild(
    [path.join(root, 'bin/agentruns.js'), 'serve'],
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      AGENTRUNS_EXAMPLES: '0',
      AGENTRUNS_ADMIN_EMAIL: 'admin@load.example',
      AGENTRUNS_ADMIN_PASSWORD: password,
      AGENTRUNS_LOGIN_ADDRESS_MAX_FAILURES: '1000',
    },
    /Agent Runs on http/,
  );
  const base = `http://127.0.0.1:${port}`;
  const login = await json<{ csrfToken: string }>(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@load.example', password }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = await json<{ token: string }>(`${base}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': login.body.csrfToken },
    body: JSON.stringify({ name: 'load benchmark' }),
  });
  const auth = { authorization: `Bearer ${token.body.token}` };
  const agent = await json<{ id: string }>(`${base}/api/agents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({
      name: 'Load',
      variables: [{ name: 'customer', type: 'string', required: true }],
      modelSettings: { model: 'simulated/default' },
      steps: [{ name: 'Answer', prompt: 'Say hello to {{ vars.customer }}.' }],
    }),
  });
  return {
    child,
    base,
    auth,
    agentId: agent.body.id,
    cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function drive(
  base: string,
  agentId: string,
  headers: Record<string, string>,
  options: LoadOptions,
): Promise<autocannon.Result> {
  return autocannon({
    url: base,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: `/api/agents/${agentId}/runs`,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ variables: { customer: 'Acme' }, start: false }),
      },
      { method: 'GET', path: '/api/runs?limit=20', headers },
    ],
  });
}

const roundOf = (system: LoadRound['system'], round: number, r: autocannon.Result): LoadRound => ({
  system,
  round,
  requests: r.requests.total,
  requestsPerSecond: r.requests.average,
  latencyP50Ms: r.latency.p50,
  latencyP99Ms: r.latency.p99,
  errors: r.errors,
  timeouts: r.timeouts,
  non2xx: r.non2xx,
});

export async function runLoadBench(options: LoadOptions): Promise<LoadResult> {
  const rounds: LoadRound[] = [];
  const serve = await startServe();
  const barePort = await freePort();
  const bare = await startChild(
    [runTs, path.join(root, 'bench/load/bare-fastify.ts')],
    { PORT: String(barePort) },
    /listening on/,
  );
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const a = roundOf(
        'agentruns-serve',
        round,
        await drive(serve.base, serve.agentId, serve.auth, options),
      );
      rounds.push(a);
      options.log(describe(a));
      const b = roundOf(
        'bare-fastify',
        round,
        await drive(`http://127.0.0.1:${barePort}`, 'agt_x', {}, options),
      );
      rounds.push(b);
      options.log(describe(b));
    }
  } finally {
    await stop(serve.child);
    await stop(bare);
    serve.cleanup();
  }
  const summary: LoadResult['summary'] = {};
  for (const system of ['agentruns-serve', 'bare-fastify'] as const) {
    const mine = rounds.filter((r) => r.system === system);
    summary[system] = {
      requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
      latencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
      latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      errors: mine.reduce((n, r) => n + r.errors + r.timeouts, 0),
      non2xx: mine.reduce((n, r) => n + r.non2xx, 0),
    };
  }
  return {
    kind: 'load',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    options: {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      rounds: options.rounds,
    },
    rounds,
    summary,
    throughputRatio:
      (summary['agentruns-serve']?.requestsPerSecond ?? 0) /
      (summary['bare-fastify']?.requestsPerSecond || 1),
  };
}

function describe(r: LoadRound): string {
  return `round ${r.round} ${r.system.padEnd(16)} ${Math.round(r.requestsPerSecond)} req/s  p50 ${r.latencyP50Ms} ms  p99 ${r.latencyP99Ms} ms  errors ${r.errors + r.timeouts}  non-2xx ${r.non2xx}`;
}

export function loadTable(result: LoadResult): string {
  const rows = Object.entries(result.summary).map(([system, s]) => [
    system,
    String(Math.round(s.requestsPerSecond)),
    String(s.latencyP50Ms),
    String(s.latencyP99Ms),
    String(s.errors),
    String(s.non2xx),
  ]);
  return [
    `${result.options.connections} concurrent clients creating and listing runs, ${result.options.durationSeconds} s × ${result.options.rounds} rounds each (A B A B), medians; ${result.machine.cpus} cores.`,
    '',
    ...markdownTable(['server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx'], rows),
    '',
    `agentruns serve: ${(result.throughputRatio * 100).toFixed(1)} % of bare Fastify's throughput.`,
  ].join('\n');
}
