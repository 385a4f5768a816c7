import fs from 'node:fs';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createWorker } from '../../src/engine/worker.ts';
import type { ModelProvider } from '../../src/models/model-provider.ts';
import { createModelRegistry } from '../../src/models/model-registry.ts';
import { createSimulatedProvider } from '../../src/models/simulated-provider.ts';
import { instrumentModels } from '../../src/observability/instrument.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { disabledTracing } from '../../src/observability/tracing.ts';
import type { QueueStore } from '../../src/queue/queue-store.ts';
import { createRun } from '../../src/runs/create-run.ts';
import type { Database } from '../../src/store/schema.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { openBenchDeps } from './bench-deps.ts';
import { percentile, type RoundResult } from './bench-stats.ts';
import { startCpuProfile } from './inspector-profiles.ts';
import { countStatements } from './statement-counter.ts';
import { createStepTimeline, type StepTimeline } from './step-timeline.ts';

export interface AgentRunsRoundOptions {
  kind: StoreKind;
  round: number;
  runs: number;
  /** Attempts the worker runs at once (the product's default is 500). */
  concurrency: number;
  postgresUrl: string;
  /** Writes a CPU profile of the drain (the timed part) here; the profiler slows it by ~20%. */
  profileFile?: string | undefined;
}

/**
 * Three steps on the zero-latency simulated model. `{{ run.id }}` leads every prompt so the
 * timeline can tell which run a model call belongs to; the later steps quote the earlier outputs,
 * as a real chain does.
 */
export const benchAgent = {
  name: 'Engine benchmark',
  variables: [{ name: 'customer', type: 'string', required: true }],
  modelSettings: { model: 'simulated/default' },
  steps: [
    { name: 'Gather', prompt: '{{ run.id }} List the facts about {{ vars.customer }}.' },
    { name: 'Summarize', prompt: '{{ run.id }} Summarize: {{ steps.gather.output }}' },
    { name: 'Report', prompt: '{{ run.id }} Write the report from {{ steps.summarize.output }}' },
  ],
} as const;

/** Runs created at once by the enqueue phase; each is a separate `createRun`, as the API does. */
const ENQUEUE_CONCURRENCY = 16;

/**
 * One round of Agent Runs: a fresh store (SQLite file in a temp dir with WAL, or a new
 * PostgreSQL schema) built by the composition root, `runs` runs created through `createRun`, then
 * one worker drains them with `runOnce()`. Only the drain is timed.
 */
export async function measureAgentRuns(options: AgentRunsRoundOptions): Promise<RoundResult> {
  const { deps, actor, dataDir, schema } = await openBenchDeps({
    kind: options.kind,
    postgresUrl: options.postgresUrl,
    prefix: 'agentruns-bench-',
  });
  try {
    const agent = await createAgent(deps, actor, benchAgent);

    const enqueueStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ENQUEUE_CONCURRENCY }, async () => {
        while (next < options.runs) {
          const i = next++;
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
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const timeline = createStepTimeline();
    const statements = deps.store.pools.length > 0 ? countStatements(deps.store.pools) : undefined;
    const worker = createWorker(
      {
        ...deps,
        queue: timedQueue(deps.queue, timeline),
        // Wrapped as `create-deps.ts` wraps the real registry (metrics, and traces when configured).
        models: instrumentModels(
          createModelRegistry([timedProvider(createSimulatedProvider(deps.clock), timeline)]),
          deps.metrics ?? createMetrics(deps),
          deps.tracing ?? disabledTracing,
        ),
      },
      // Sealing in its own thread, as `agentruns serve` and `agentruns worker` run it; up before the clock starts.
      { concurrency: options.concurrency, sealThread: true },
    );
    await worker.ready();
    statements?.reset();
    const profiler = options.profileFile ? await startCpuProfile() : undefined;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await worker.runOnce();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const statementCount = statements?.count;
    if (profiler && options.profileFile) await profiler.stopTo(options.profileFile);

    const steps = await assertAllCompleted(deps.store.db, options.runs, benchAgent.steps.length);
    const { commitToStartMs, startToStartMs } = timeline.gaps();
    return {
      round: options.round,
      chains: options.runs,
      steps,
      seconds,
      stepsPerSecond: steps / seconds,
      commitToStartP50Ms: percentile(commitToStartMs, 50),
      commitToStartP99Ms: percentile(commitToStartMs, 99),
      startToStartP50Ms: percentile(startToStartMs, 50),
      startToStartP99Ms: percentile(startToStartMs, 99),
      cpuMicrosPerStep: (cpu.user + cpu.system) / steps,
      commitTransactionsPerStep: worker.committer.stats.transactions / steps,
      statementsPerStep: statementCount === undefined ? null : statementCount / steps,
      enqueueSeconds,
    };
  } finally {
    await deps.close();
    if (options.kind === 'postgres') await dropSchema(options.postgresUrl, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Marks step n+1 as runnable when the commit of step n's result (naming n+1 as next) returns. */
function timedQueue(queue: QueueStore, timeline: StepTimeline): QueueStore {
  return {
    ...queue,
    async commit(commits) {
      const written = await queue.commit(commits);
      for (const c of commits)
        if (c.result && c.next && written.has(c.attemptId)) timeline.committed(c.runId, c.next.number);
      return written;
    },
  };
}

const runIdPattern = /^run_[0-9A-Z]{26}/;

/** Marks a step as started when its model call begins. */
function timedProvider(provider: ModelProvider, timeline: StepTimeline): ModelProvider {
  return {
    id: provider.id,
    simulated: provider.simulated,
    generate(call) {
      const runId = runIdPattern.exec(call.prompt)?.[0];
      if (runId) timeline.started(runId, call.stepNumber);
      return provider.generate(call);
    },
  };
}

/** Throws unless every run completed with one result per step; returns the number of results. */
async function assertAllCompleted(db: Kysely<Database>, runs: number, stepsPerRun: number): Promise<number> {
  const completed = await db
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'completed')
    .executeTakeFirstOrThrow();
  const results = await db
    .selectFrom('step_results')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'completed')
    .executeTakeFirstOrThrow();
  if (Number(completed.n) !== runs || Number(results.n) !== runs * stepsPerRun) {
    throw new Error(
      `benchmark run incomplete: ${completed.n} of ${runs} runs completed, ${results.n} of ${runs * stepsPerRun} steps`,
    );
  }
  return Number(results.n);
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
