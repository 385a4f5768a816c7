import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { markdownTable } from '../engine/engine-table.ts';
import { freePort, startChild, stop } from '../load/load-bench.ts';
import type { ConcurrencyRound, ConcurrencyRoundOptions } from './measure-concurrency.ts';
import { measureSdkAlone, type SdkAloneRound } from './measure-sdk-alone.ts';

/**
 * Concurrency: closed loops of N runs in flight on a model that answers in 1 s (the test suite's
 * fake OpenAI server in a child process), one round per store and N. Targets (issue 11): completed
 * model calls per second ≥ 90 % of the Little's-law ideal up to N = 2,000 and ≥ 85 % at 4,000 on
 * SQLite, ≥ 80 % of min(N, 3,000) on PostgreSQL; ≤ 85 KB of RSS per run in flight.
 */
export interface ConcurrencyOptions {
  inflight: number[];
  stores: StoreKind[];
  durationSeconds: number;
  warmupSeconds: number;
  postgresUrl: string;
  profileDir?: string | undefined;
  /** Writes sampling allocation profiles of the rounds here (and slows them). */
  allocationProfileDir?: string | undefined;
  log: (line: string) => void;
}

export interface ConcurrencyTarget {
  store: StoreKind;
  inflight: number;
  metric: 'calls/s ratio' | 'RSS KB per run';
  target: number;
  measured: number;
  met: boolean;
}

export interface ConcurrencyResult {
  kind: 'concurrency';
  at: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string };
  options: { inflight: number[]; durationSeconds: number; warmupSeconds: number; modelLatencyMs: number };
  rounds: ConcurrencyRound[];
  /** The peer, per N: the same AI SDK calls in a closed loop with no engine around them. */
  sdkAlone: SdkAloneRound[];
  targets: ConcurrencyTarget[];
}

const MODEL_LATENCY_MS = 1000;
const RSS_TARGET_KB = 85;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The calls per second a round must reach. */
function requiredCallsPerSecond(store: StoreKind, n: number): { ratio: number; callsPerSecond: number } {
  const ideal = n / (MODEL_LATENCY_MS / 1000);
  if (store === 'postgres') return { ratio: 0.8, callsPerSecond: 0.8 * Math.min(ideal, 3000) };
  const ratio = n <= 2000 ? 0.9 : 0.85;
  return { ratio, callsPerSecond: ratio * ideal };
}

export async function runConcurrencyBench(options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const port = await freePort();
  const model = await startChild(
    [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/concurrency/slow-model-server.ts')],
    { PORT: String(port), ANSWER_DELAY_MS: String(MODEL_LATENCY_MS) },
    /listening on/,
  );
  const rounds: ConcurrencyRound[] = [];
  const sdkAlone: SdkAloneRound[] = [];
  try {
    for (const store of options.stores) {
      for (const n of options.inflight) {
        const round = await roundInChild({
          kind: store,
          inflight: n,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          modelBaseUrl: `http://127.0.0.1:${port}/v1`,
          modelLatencyMs: MODEL_LATENCY_MS,
          postgresUrl: options.postgresUrl,
          profileFile: options.profileDir
            ? path.join(options.profileDir, `concurrency-${store}-${n}.cpuprofile`)
            : undefined,
          allocationProfileFile: options.allocationProfileDir
            ? path.join(options.allocationProfileDir, `concurrency-${store}-${n}.heapprofile`)
            : undefined,
        });
        rounds.push(round);
        options.log(describe(round));
      }
    }
    // The peer last: its calls leave this process's heap large, which would skew the RSS per run above.
    for (const n of options.inflight) {
      const peer = await measureSdkAlone({
        inflight: n,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        modelBaseUrl: `http://127.0.0.1:${port}/v1`,
      });
      sdkAlone.push(peer);
      options.log(
        `AI SDK alone N=${n}  ${Math.round(peer.callsPerSecond)} calls/s  ${Math.round(peer.cpuMicrosPerCall)} µs CPU per call  failed calls ${peer.failedCalls}`,
      );
    }
  } finally {
    await stop(model);
  }
  const targets: ConcurrencyTarget[] = rounds.flatMap((r) => {
    const required = requiredCallsPerSecond(r.store, r.inflight);
    return [
      {
        store: r.store,
        inflight: r.inflight,
        metric: 'calls/s ratio' as const,
        target: required.callsPerSecond,
        measured: r.callsPerSecond,
        met: r.callsPerSecond >= required.callsPerSecond,
      },
      {
        store: r.store,
        inflight: r.inflight,
        metric: 'RSS KB per run' as const,
        target: RSS_TARGET_KB,
        measured: r.rssPerRunKB,
        met: rssMet(r),
      },
    ];
  });
  return {
    kind: 'concurrency',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    options: {
      inflight: options.inflight,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      modelLatencyMs: MODEL_LATENCY_MS,
    },
    rounds,
    sdkAlone,
    targets,
  };
}

/** Below zero is not a measurement (the base was inflated): not met. */
const rssMet = (r: ConcurrencyRound) => r.rssPerRunKB >= 0 && r.rssPerRunKB <= RSS_TARGET_KB;

/** Runs one round in a fresh process (`concurrency-round.ts`): its RSS is that round's alone. */
function roundInChild(options: ConcurrencyRoundOptions): Promise<ConcurrencyRound> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/concurrency/concurrency-round.ts')],
      { env: { ...process.env, ROUND_OPTIONS: JSON.stringify(options) }, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error)
          return reject(new Error(`the ${options.kind} round of ${options.inflight} failed: ${stderr}`));
        const last = stdout.trim().split('\n').at(-1) ?? '';
        resolve(JSON.parse(last) as ConcurrencyRound);
      },
    );
  });
}

function describe(r: ConcurrencyRound): string {
  return `${r.store.padEnd(8)} N=${r.inflight}  ${Math.round(r.callsPerSecond)} calls/s of ${r.idealCallsPerSecond} ideal (${(r.ratio * 100).toFixed(1)} %)  in flight ${r.medianInflight}  RSS ${r.rssPerRunKB.toFixed(1)} KB/run (${Math.round(r.rssBaseMB)} → ${Math.round(r.rssSteadyMB)} MB)  heap idle ${Math.round(r.heapBaseMB)}, live ${Math.round(r.heapLiveMB)}, ${Math.round(r.heapUsedMB)} of ${Math.round(r.heapTotalMB)} MB, external ${Math.round(r.externalMB)} MB  CPU ${Math.round(r.cpuPercent)} % (${Math.round(r.cpuMicrosPerCall)} µs per call, machine ${r.machineCpuMicrosPerCall === undefined ? '–' : Math.round(r.machineCpuMicrosPerCall)} µs,${r.walBytesPerCall === undefined ? '' : ` WAL ${Math.round(r.walBytesPerCall)} B,`} event loop ${Math.round(r.eventLoopUtilization * 100)} % busy)  failed runs ${r.failedRuns}`;
}

export function concurrencyTable(result: ConcurrencyResult): string {
  const rows = result.rounds.map((r) => {
    const required = requiredCallsPerSecond(r.store, r.inflight);
    const peer = result.sdkAlone.find((p) => p.inflight === r.inflight);
    const met = r.callsPerSecond >= required.callsPerSecond;
    const of = r.store === 'postgres' ? `of min(N, 3,000)` : 'of N';
    const ofPeer = peer
      ? `${Math.round(peer.callsPerSecond)} (${((r.callsPerSecond / peer.callsPerSecond) * 100).toFixed(0)} %)`
      : '–';
    return [
      r.store,
      String(r.inflight),
      String(Math.round(r.callsPerSecond)),
      `${(r.ratio * 100).toFixed(1)} %`,
      `≥ ${Math.round(required.callsPerSecond)} (${required.ratio * 100} % ${of}) ${met ? '✓' : '✗'}`,
      ofPeer,
      `${r.rssPerRunKB.toFixed(1)} ${rssMet(r) ? '✓' : '✗'}`,
      `${Math.round(r.cpuPercent)} %`,
      String(Math.round(r.cpuMicrosPerCall)),
      `${Math.round(r.eventLoopUtilization * 100)} %`,
      String(r.failedRuns),
    ];
  });
  return [
    `Closed loop, three-step runs on a model answering in ${result.options.modelLatencyMs / 1000} s (fake OpenAI Chat Completions server in a child process), ${result.options.warmupSeconds} s warm-up then ${result.options.durationSeconds} s measured per round; ${result.machine.cpus} cores.`,
    '',
    ...markdownTable(
      [
        'store',
        'runs in flight',
        'calls/s',
        'of ideal (N/1 s)',
        'target',
        'AI SDK alone, calls/s (ours of it)',
        'RSS KB per run (≤ 85)',
        'CPU',
        'CPU µs per call',
        'event loop busy',
        'failed runs',
      ],
      rows,
    ),
    '',
    `AI SDK alone: the same \`streamText\` calls to the same server in a closed loop of N, no engine (${result.sdkAlone.map((p) => `N=${p.inflight}: ${Math.round(p.cpuMicrosPerCall)} µs CPU per call`).join(', ')}).`,
  ].join('\n');
}
