import { useQuery } from '@tanstack/react-query';
import { api } from '../shell/api-client.ts';
import type { AgentVersionView, AttemptView, RunDetails } from '../shell/api-types.ts';

export function useRun(runId: string) {
  return useQuery({ queryKey: ['run', runId], queryFn: () => api<RunDetails>('GET', `/api/runs/${runId}`) });
}

export function useAttempts(runId: string) {
  return useQuery({
    queryKey: ['attempts', runId],
    queryFn: () => api<{ items: AttemptView[] }>('GET', `/api/runs/${runId}/attempts`),
  });
}

/** Every version of an agent: the one a run pinned holds its variable definitions. */
export function useAgentVersions(agentId: string | undefined) {
  return useQuery({
    queryKey: ['agent-versions', agentId],
    queryFn: () => api<{ items: AgentVersionView[] }>('GET', `/api/agents/${agentId}/versions`),
    enabled: agentId !== undefined,
  });
}
