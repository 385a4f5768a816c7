import type { ModelProvider } from '../models/model-provider.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { QueueStore } from '../queue/queue-store.ts';
import type { Metrics } from './metrics.ts';
import type { Tracing } from './tracing.ts';

/**
 * Wraps the queue store so each step result this process commits is counted in the step
 * duration histogram. The engine's files stay untouched: one loop over the written batch.
 */
export function instrumentQueue(queue: QueueStore, metrics: Metrics): QueueStore {
  return {
    claim: (options) => queue.claim(options),
    heartbeat: (options) => queue.heartbeat(options),
    release: (leases) => queue.release(leases),
    async commit(commits) {
      const written = await queue.commit(commits);
      for (const c of commits) {
        const r = c.result;
        if (r && written.has(c.attemptId))
          metrics.stepFinished(r.status, Math.max(0, r.finishedAt - (r.startedAt ?? r.finishedAt)) / 1000);
      }
      return written;
    },
  };
}

/** Why a model request failed, as a label: the ProviderError's kind, or what aborted it. */
function errorKindOf(error: unknown, signal: AbortSignal): string {
  const kind = (error as { kind?: unknown }).kind;
  if (typeof kind === 'string') return kind;
  if (signal.aborted) {
    const reasonKind = (signal.reason as { kind?: unknown } | undefined)?.kind;
    return typeof reasonKind === 'string' ? reasonKind : 'canceled';
  }
  return 'failed';
}

/**
 * Wraps every provider the registry hands out: each request is timed into the latency histogram,
 * counted when it fails, and traced as a GenAI `chat` span when tracing is on.
 */
export function instrumentModels(
  registry: ModelRegistry,
  metrics: Metrics,
  tracing: Tracing,
  now: () => number = performance.now.bind(performance),
): ModelRegistry {
  const wrapped = new WeakMap<ModelProvider, ModelProvider>();
  const wrap = (provider: ModelProvider): ModelProvider => {
    const known = wrapped.get(provider);
    if (known) return known;
    const generate: ModelProvider['generate'] = async (call) => {
      const started = now();
      try {
        const answer = await tracing.traceModelCall(provider.id, call, () => provider.generate(call));
        metrics.modelCall(provider.id, (now() - started) / 1000, undefined);
        return answer;
      } catch (error) {
        metrics.modelCall(provider.id, (now() - started) / 1000, errorKindOf(error, call.signal));
        throw error;
      }
    };
    const instrumented: ModelProvider = {
      id: provider.id,
      simulated: provider.simulated,
      generate,
      ...(provider.optionsFor ? { optionsFor: provider.optionsFor.bind(provider) } : {}),
    };
    wrapped.set(provider, instrumented);
    return instrumented;
  };
  return {
    ...registry,
    resolveOrThrow: (modelId) => wrap(registry.resolveOrThrow(modelId)),
    resolveForOrgOrThrow: async (orgId, modelId) => wrap(await registry.resolveForOrgOrThrow(orgId, modelId)),
  };
}
