import { useQuery } from '@tanstack/react-query';
import { api } from '../shell/api-client.ts';
import type { BenchmarkDashboard, BenchmarkView, DatasetRunView } from '../shell/api-types.ts';

/** An agent's benchmark and dashboards (`GET /api/agents/:id/benchmarks`), polled while results are pending. */
export function useAgentBenchmarks(agentId: string) {
  return useQuery({
    queryKey: ['benchmarks', agentId],
    queryFn: () =>
      api<{ benchmark: BenchmarkView; dashboard: BenchmarkDashboard }>(
        'GET',
        `/api/agents/${agentId}/benchmarks`,
      ),
    refetchInterval: (query) => ((query.state.data?.dashboard.totals.pending ?? 0) > 0 ? 1500 : false),
  });
}

/** The agent's dataset runs, polled while any case still runs or waits for its benchmark. */
export function useDatasetRuns(agentId: string) {
  return useQuery({
    queryKey: ['dataset-runs', agentId],
    queryFn: () => api<{ items: DatasetRunView[] }>('GET', `/api/agents/${agentId}/dataset-runs`),
    refetchInterval: (query) =>
      query.state.data?.items.some((d) => d.summary.some((s) => s.scored < s.runs)) ? 1500 : false,
  });
}
