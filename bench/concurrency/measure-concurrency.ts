import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import type pg from 'pg';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createWorker } from '../../src/engine/worker.ts';
import { createNamedProvider } from '../../src/models/named-providers.ts';
import type { QueueStore } from '../../src/queue/queue-store.ts';
import { createRun } from '../../src/runs/create-run.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { openBenchDeps } from '../engine/bench-deps.ts';
import { median } from '../engine/bench-stats.ts';
import { startAllocationProfile, startCpuProfile } from '../engine/inspector-profiles.ts';
import { benchAgent, dropSchema } from '../engine/measure-agent-runs.ts';
import { machineCpuMicros, readMachineCpu } from './machine-cpu.ts';

export interface ConcurrencyRoundOptions {
  kind: StoreKind;
  /** Runs kept in flight: each one that ends is replaced by a new one at once. */
  inflight: number;
  /** Seconds measured after the warm-up. */
  durationSeconds: number;
  /** Seconds after the first `inflight` runs are created before the measurement starts. */
  warmupSeconds: number;
  /** The slow model's base URL (`…/v1`); it answers every call after `modelLatencyMs`. */
  modelBaseUrl: string;
  modelLatencyMs: number;
  postgresUrl: string;
  /** Writes a CPU profile of the measured window here (and slows it). */
  profileFile?: string | undefined;
  /**
   * Writes a sampling allocation profile of the measured window here (`.heapprofile`, garbage
   * included: what the window allocated, not what it kept), and slows it.
   */
  allocationProfileFile?: string | undefined;
  /** Writes a heap snapshot here at the window's end, with the runs in flight (what they keep alive). */
  heapSnapshotFile?: string | undefined;
}

export interface ConcurrencyRound {
  store: StoreKind;
  inflight: number;
  seconds: number;
  /** Model calls completed (step results committed) in the window. */
  calls: number;
  callsPerSecond: number;
  /** Little's law: `inflight` runs each waiting `modelLatencyMs` on one call at a time. */
  idealCallsPerSecond: number;
  /** callsPerSecond / idealCallsPerSecond. */
  ratio: number;
  /** Runs that ended other than completed during the whole round (should be 0). */
  failedRuns: number;
  /** Median of the runs in flight sampled every second of the window. */
  medianInflight: number;
  /** Median RSS in the window minus RSS with the worker idle, per run in flight. */
  rssPerRunKB: number;
  rssBaseMB: number;
  rssSteadyMB: number;
  /** V8's heap after a full collection: with the worker idle, and at the window's end with the runs in flight. */
  heapBaseMB: number;
  heapLiveMB: number;
  /** Medians in the window: V8's heap in use and reserved, and memory outside it (buffers, native). */
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  cpuPercent: number;
  /** This process's CPU per completed call in the window, in microseconds. */
  cpuMicrosPerCall: number;
  /**
   * The whole machine's CPU per completed call (every process: this one, PostgreSQL, the model
   * server, the kernel), from /proc/stat; absent off Linux.
   */
  machineCpuMicrosPerCall?: number | undefined;
  /** PostgreSQL's write-ahead log written per completed call (the whole server's), in bytes. */
  walBytesPerCall?: number | undefined;
  /** Share of the window the event loop was busy: near 1, the engine's one thread is the limit. */
  eventLoopUtilization: number;
}

/**
 * The engine benchmark's three-step chain, on the slow model: a run in flight is always waiting on
 * one of its calls, and an agent is ordered steps (SPEC). A one-step run would measure mostly
 * `createRun` (one per call) rather than the engine keeping N calls going. The model is a local
 * OpenAI-compatible server, so it is what an organization adds as a named provider (`local`).
 */
const threeStepAgent = {
  ...benchAgent,
  name: 'Concurrency benchmark',
  modelSettings: { model: 'local/gpt-4.1' },
};

const ENQUEUE_CONCURRENCY = 16;

/**
 * One closed-loop round: a fresh store built by the composition root with the slow model as the
 * named provider `local` (Chat Completions), one worker with concurrency `inflight`, `inflight` runs
 * created through `createRun`, and every run that ends replaced by a new one. After the warm-up,
 * completed model calls are counted for `durationSeconds`.
 */
export async function measureConcurrency(options: ConcurrencyRoundOptions): Promise<ConcurrencyRound> {
  const { deps, actor, dataDir, schema } = await openBenchDeps({
    kind: options.kind,
    postgresUrl: options.postgresUrl,
    prefix: 'agentruns-concurrency-',
  });
  try {
    await createNamedProvider(deps, actor, { name: 'local', baseUrl: options.modelBaseUrl, apiKey: 'bench' });
    const agent = await createAgent(deps, actor, threeStepAgent);

    let inflight = 0;
    let created = 0;
    let calls = 0;
    let failedRuns = 0;
    let closing = false;
    let createError: unknown;
    const startOne = () => {
      inflight++;
      const i = created++;
      createRun(
        deps,
        actor,
        agent.id,
        { variables: { customer: `Customer ${i}` }, start: true },
        { kind: 'manual', by: actor.userId },
      ).catch((error: unknown) => {
        inflight--;
        createError ??= error;
      });
    };
    const queue: QueueStore = {
      ...deps.queue,
      async commit(commits) {
        const written = await deps.queue.commit(commits);
        for (const c of commits) {
          if (!written.has(c.attemptId)) continue;
          if (c.result) calls++;
          if (c.finish) {
            inflight--;
            if (c.finish.status !== 'completed') failedRuns++;
            if (!closing) startOne();
          }
        }
        return written;
      },
    };
    // Sealing in its own thread, as `agentruns serve` and `agentruns worker` run it.
    const worker = createWorker({ ...deps, queue }, { concurrency: options.inflight, sealThread: true });
    worker.start();
    await worker.ready();
    await sleep(500);
    // Start-up's garbage is collected first: the base is the idle worker alone.
    collectGarbage();
    const { rss: rssBase, heapUsed: heapBase } = process.memoryUsage();

    // The first `inflight` runs, created as the API would, a few at a time. Counted apart from
    // `created`: runs that end meanwhile start their replacements, which must not cut this short.
    let initial = 0;
    await Promise.all(
      Array.from({ length: ENQUEUE_CONCURRENCY }, async () => {
        while (initial < options.inflight) {
          initial++;
          const i = created++;
          inflight++;
          await createRun(
            deps,
            actor,
            agent.id,
            { variables: { customer: `Customer ${i}` }, start: true },
            { kind: 'manual', by: actor.userId },
          );
        }
      }),
    );
    await sleep(options.warmupSeconds * 1000);

    const profiler = options.profileFile ? await startCpuProfile() : undefined;
    const allocations = options.allocationProfileFile ? await startAllocationProfile() : undefined;
    const callsBefore = calls;
    const cpuBefore = process.cpuUsage();
    const machineBefore = readMachineCpu();
    const walBefore = await walPosition(deps.store.pool);
    const eluBefore = performance.eventLoopUtilization();
    const started = performance.now();
    const memory: NodeJS.MemoryUsage[] = [];
    const inflightSamples: number[] = [];
    for (let s = 0; s < options.durationSeconds; s++) {
      await sleep(1000);
      memory.push(process.memoryUsage());
      inflightSamples.push(inflight);
    }
    const seconds = (performance.now() - started) / 1000;
    const windowCalls = calls - callsBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const machineMicros = machineCpuMicros(machineBefore, readMachineCpu());
    const walAfter = await walPosition(deps.store.pool);
    const elu = performance.eventLoopUtilization(eluBefore);
    if (profiler && options.profileFile) await profiler.stopTo(options.profileFile);
    if (allocations && options.allocationProfileFile) await allocations.stopTo(options.allocationProfileFile);
    // What the runs in flight keep alive, without the garbage the window's medians include.
    collectGarbage();
    const heapLive = process.memoryUsage().heapUsed;
    if (options.heapSnapshotFile) v8.writeHeapSnapshot(options.heapSnapshotFile);

    closing = true;
    await worker.stop(2000);
    if (createError) throw createError;

    const idealCallsPerSecond = options.inflight / (options.modelLatencyMs / 1000);
    const callsPerSecond = windowCalls / seconds;
    const rssSteady = median(memory.map((m) => m.rss));
    const medianMB = (pick: (m: NodeJS.MemoryUsage) => number) => median(memory.map(pick)) / 2 ** 20;
    return {
      store: options.kind,
      inflight: options.inflight,
      seconds,
      calls: windowCalls,
      callsPerSecond,
      idealCallsPerSecond,
      ratio: callsPerSecond / idealCallsPerSecond,
      failedRuns,
      medianInflight: median(inflightSamples),
      rssPerRunKB: (rssSteady - rssBase) / options.inflight / 1024,
      rssBaseMB: rssBase / 2 ** 20,
      rssSteadyMB: rssSteady / 2 ** 20,
      heapBaseMB: heapBase / 2 ** 20,
      heapLiveMB: heapLive / 2 ** 20,
      heapUsedMB: medianMB((m) => m.heapUsed),
      heapTotalMB: medianMB((m) => m.heapTotal),
      externalMB: medianMB((m) => m.external),
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      cpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, windowCalls),
      machineCpuMicrosPerCall:
        machineMicros === undefined ? undefined : machineMicros / Math.max(1, windowCalls),
      eventLoopUtilization: elu.utilization,
      walBytesPerCall:
        walBefore === undefined || walAfter === undefined
          ? undefined
          : Number(walAfter - walBefore) / Math.max(1, windowCalls),
    };
  } finally {
    await deps.close();
    if (options.kind === 'postgres') await dropSchema(options.postgresUrl, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** PostgreSQL's current write-ahead log position in bytes; undefined on SQLite. */
async function walPosition(pool: pg.Pool | undefined): Promise<bigint | undefined> {
  if (!pool) return undefined;
  const { rows } = await pool.query<{ at: string }>(`SELECT pg_current_wal_lsn() - '0/0' AS at`);
  return BigInt(rows[0]?.at ?? 0);
}

/** A full collection now, through V8's `gc` exposed for this one call. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
