import { z } from 'zod';
import { benchmarkInputSchema } from '../../benchmarks/benchmark-config.ts';
import { benchmarkDashboard } from '../../benchmarks/benchmark-dashboard.ts';
import { listRunBenchmarks, requestRunBenchmark } from '../../benchmarks/benchmark-results.ts';
import { getBenchmarkOrThrow, putBenchmark } from '../../benchmarks/benchmark-service.ts';
import {
  datasetRunInputSchema,
  getDatasetRunOrThrow,
  listDatasetRuns,
  startDatasetRun,
} from '../../benchmarks/dataset-runs.ts';
import type { Deps } from '../../deps.ts';
import { getRunRowOrThrow } from '../../runs/get-run.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

/** Benchmarks (SPEC B1–B3, D7): an agent's benchmark and dashboards, a run's results, dataset runs. */
export function benchmarkRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/benchmarks',
      summary:
        "The agent's benchmark (the default writing-quality one until configured) and its quality dashboards",
      tag: 'benchmarks',
      permission: 'agents.read',
      params: idParams,
      handler: async ({ actor, params }) => ({
        benchmark: await getBenchmarkOrThrow(deps, actor, params.id),
        dashboard: await benchmarkDashboard(deps, actor, params.id),
      }),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/agents/:id/benchmarks',
      summary:
        "Replace the agent's benchmark: writing quality, custom criteria, reference cases, automatic runs",
      tag: 'benchmarks',
      permission: 'agents.write',
      params: idParams,
      body: benchmarkInputSchema,
      handler: ({ actor, params, body }) => putBenchmark(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:id/benchmarks',
      summary: "Benchmark the run's latest attempt (again): queued, then judged in the background",
      tag: 'benchmarks',
      permission: 'runs.rerun',
      status: 202,
      params: idParams,
      handler: ({ actor, params }) => requestRunBenchmark(deps, actor, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/benchmarks',
      summary: "Every benchmark of the run's attempts, newest first",
      tag: 'benchmarks',
      permission: 'runs.read',
      params: idParams,
      handler: async ({ actor, params }) => {
        await getRunRowOrThrow(deps, actor, params.id);
        return { items: await listRunBenchmarks(deps, actor.orgId, params.id) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/dataset-runs',
      summary: 'Run the agent over every reference case, on one version or two side by side',
      tag: 'benchmarks',
      permission: 'runs.start',
      status: 201,
      params: idParams,
      body: datasetRunInputSchema,
      handler: ({ actor, params, body }) => startDatasetRun(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/dataset-runs',
      summary: "The agent's dataset runs, newest first",
      tag: 'benchmarks',
      permission: 'agents.read',
      params: idParams,
      handler: ({ actor, params }) => listDatasetRuns(deps, actor, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/dataset-runs/:id',
      summary: 'A dataset run with the run and benchmark of every case, per version',
      tag: 'benchmarks',
      permission: 'agents.read',
      params: idParams,
      handler: ({ actor, params }) => getDatasetRunOrThrow(deps, actor, params.id),
    }),
  ];
}
