import fs from 'node:fs';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createWorker } from '../../src/engine/worker.ts';
import type { ModelProvider } from '../../src/models/model-provider.ts';
import { createModelRegistry } from '../../src/models/model-registry.ts';
import { createSimulatedProvider } from '../../src/models/simulated-provider.ts';
import { instrumentModels } from '../../src/observability/instrument.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { disabledTracing } from '../../src/observability/tracing.ts';
import { createRun } from '../../src/runs/create-run.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { openBenchDeps } from './bench-deps.ts';
import { percentile } from './bench-stats.ts';
import { benchAgent, dropSchema } from './measure-agent-runs.ts';

export interface AddedLatencyResult {
  kind: StoreKind;
  /** Model calls measured (steps 2 and 3 of every run after the warm-up). */
  calls: number;
  /** Milliseconds from a step's model answer to the next step's model call, in one run. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Milliseconds of the model call itself: what calling the model directly costs. */
  directP50Ms: number;
  directP99Ms: number;
}

const WARM_UP_RUNS = 20;

/**
 * What the engine adds to each model call (issue 11: p50 ≤ 1 ms, p99 ≤ 2 ms), against calling the
 * model directly. Runs go one at a time on the zero-latency simulated model, so nothing queues behind
 * anything; for steps 2 and 3 of every run, the time from the previous step's model call answering
 * to this step's call starting. That gap is all the engine does between two calls of a run: the
 * result committed durably (the next step starts only after), its events, the next step's context
 * and prompt. The model call's own duration, measured around the same provider, is the peer: what
 * an application that calls the model directly pays, and all it pays.
 */
export async function measureAddedLatency(options: {
  kind: StoreKind;
  runs: number;
  postgresUrl: string;
}): Promise<AddedLatencyResult> {
  const { deps, actor, dataDir, schema } = await openBenchDeps({
    kind: options.kind,
    postgresUrl: options.postgresUrl,
    prefix: 'agentruns-bench-latency-',
  });
  try {
    const agent = await createAgent(deps, actor, benchAgent);
    const calls = new Map<string, { startedAt: number; answeredAt: number }>();
    const timed = timedCalls(createSimulatedProvider(deps.clock), calls);
    const worker = createWorker(
      {
        ...deps,
        models: instrumentModels(
          createModelRegistry([timed]),
          deps.metrics ?? createMetrics(deps),
          deps.tracing ?? disabledTracing,
        ),
      },
      { concurrency: 1 },
    );
    const added: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < WARM_UP_RUNS + options.runs; i++) {
      const run = await createRun(
        deps,
        actor,
        agent.id,
        { variables: { customer: `Customer ${i}` }, start: true },
        { kind: 'manual', by: actor.userId },
      );
      await worker.runOnce();
      if (i < WARM_UP_RUNS) continue;
      for (let step = 2; step <= benchAgent.steps.length; step++) {
        const previous = calls.get(`${run.id}#${step - 1}`);
        const call = calls.get(`${run.id}#${step}`);
        if (!previous || !call) throw new Error(`run ${run.id} has no model call for step ${step}`);
        added.push(call.startedAt - previous.answeredAt);
        direct.push(call.answeredAt - call.startedAt);
      }
    }
    return {
      kind: options.kind,
      calls: added.length,
      addedP50Ms: percentile(added, 50),
      addedP99Ms: percentile(added, 99),
      directP50Ms: percentile(direct, 50),
      directP99Ms: percentile(direct, 99),
    };
  } finally {
    await deps.close();
    if (options.kind === 'postgres') await dropSchema(options.postgresUrl, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const runIdPattern = /^run_[0-9A-Z]{26}/;

/** Notes when each step's model call starts and answers, keyed `<run id>#<step>`. */
function timedCalls(
  provider: ModelProvider,
  calls: Map<string, { startedAt: number; answeredAt: number }>,
): ModelProvider {
  return {
    id: provider.id,
    simulated: provider.simulated,
    async generate(call) {
      const startedAt = performance.now();
      const answer = await provider.generate(call);
      const runId = runIdPattern.exec(call.prompt)?.[0];
      if (runId) calls.set(`${runId}#${call.stepNumber}`, { startedAt, answeredAt: performance.now() });
      return answer;
    },
  };
}
