import { useQuery } from '@tanstack/react-query';
import { api } from '../shell/api-client.ts';
import type { AgentListItem, AgentView, Page } from '../shell/api-types.ts';

/** Agents for pickers and the Agents page (the first 200, newest first). */
export function useAgents(archived: boolean | 'all' = false) {
  return useQuery({
    queryKey: ['agents', archived],
    queryFn: () =>
      api<Page<AgentListItem>>(
        'GET',
        `/api/agents?limit=200${archived === 'all' ? '' : `&archived=${archived}`}`,
      ),
  });
}

export function useAgent(agentId: string | undefined) {
  return useQuery({
    queryKey: ['agent', agentId],
    queryFn: () => api<AgentView>('GET', `/api/agents/${agentId}`),
    enabled: agentId !== undefined,
  });
}
