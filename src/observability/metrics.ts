import { sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../platform/clock.ts';
import type { Store } from '../store/open-store.ts';

/**
 * Prometheus metrics (`GET /metrics`). What the database knows is read at scrape time, so any
 * `serve` process reports the whole deployment: runs by status, the queue's depth and the age of
 * its oldest due attempt, attempts running and leases expired. What happens inside a process is
 * counted there: step durations (from the commits this process wrote) and model calls (latency
 * and errors, by provider). Labels name statuses, providers and error kinds only — never an
 * organization, a run or a prompt.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One committed step result. */
  stepFinished(status: string, seconds: number): void;
  /** One model request (a try; retries count apart). */
  modelCall(provider: string, seconds: number, errorKind: string | undefined): void;
  /** Reports the heap growth this process's steering sets (`platform/heap-growth.ts`) at each scrape. */
  reportHeapGrowth(steering: { readonly percent: number }): void;
  /** The text exposition format. */
  render(): Promise<string>;
}

export function createMetrics(deps: { store: Store; clock: Clock }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'agentruns_process_' });
  const runs = new Gauge({
    name: 'agentruns_runs',
    help: 'Runs by status, across all organizations.',
    labelNames: ['status'],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'agentruns_queue_depth',
    help: 'Attempts enqueued and due now, waiting for a worker.',
    registers: [registry],
  });
  const queueAge = new Gauge({
    name: 'agentruns_queue_oldest_age_seconds',
    help: 'How long the oldest due attempt has waited (0 when none waits).',
    registers: [registry],
  });
  const running = new Gauge({
    name: 'agentruns_attempts_running',
    help: 'Attempts a worker holds now.',
    registers: [registry],
  });
  const expired = new Gauge({
    name: 'agentruns_leases_expired',
    help: 'Running attempts whose lease expired: their worker died and none has taken them yet.',
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'agentruns_step_duration_seconds',
    help: 'Duration of the steps this process committed, by result status.',
    labelNames: ['status'],
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const modelLatency = new Histogram({
    name: 'agentruns_model_call_duration_seconds',
    help: 'Latency of model requests from this process, by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const modelErrors = new Counter({
    name: 'agentruns_model_call_errors_total',
    help: 'Model requests that failed, by provider and error kind (rate_limited, timeout, …).',
    labelNames: ['provider', 'kind'],
    registers: [registry],
  });

  const readDatabase = async () => {
    const now = deps.clock.now();
    const byStatus = await deps.store.db
      .selectFrom('runs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    runs.reset();
    for (const row of byStatus) runs.set({ status: row.status }, Number(row.n));
    const queue = await deps.store.db
      .selectFrom('attempts')
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(available_at)`.as('oldest')])
      .where('status', '=', 'enqueued')
      .where('available_at', '<=', now)
      .executeTakeFirstOrThrow();
    queueDepth.set(Number(queue.n));
    queueAge.set(queue.oldest === null ? 0 : Math.max(0, (now - Number(queue.oldest)) / 1000));
    const leases = await deps.store.db
      .selectFrom('attempts')
      .select([
        sql<number>`count(*)`.as('n'),
        sql<number>`coalesce(sum(CASE WHEN lease_expires_at < ${now} THEN 1 ELSE 0 END), 0)`.as('expired'),
      ])
      .where('status', '=', 'running')
      .executeTakeFirstOrThrow();
    running.set(Number(leases.n));
    expired.set(Number(leases.expired));
  };

  return {
    registry,
    stepFinished(status, seconds) {
      steps.observe({ status }, seconds);
    },
    modelCall(provider, seconds, errorKind) {
      modelLatency.observe({ provider, outcome: errorKind === undefined ? 'ok' : 'error' }, seconds);
      if (errorKind !== undefined) modelErrors.inc({ provider, kind: errorKind });
    },
    reportHeapGrowth(steering) {
      // Registered only here: a process that does not steer its heap has no such sample (not a 0).
      registry.removeSingleMetric('agentruns_heap_growth_percent');
      new Gauge({
        name: 'agentruns_heap_growth_percent',
        help: "How far this process lets V8's heap grow past its live data before a full collection, as steered by its event loop's load.",
        registers: [registry],
        collect() {
          this.set(steering.percent);
        },
      });
    },
    async render() {
      await readDatabase();
      return registry.metrics();
    },
  };
}
