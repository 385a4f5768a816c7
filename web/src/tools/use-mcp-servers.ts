import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../shell/api-client.ts';
import type { McpServerView, McpToolInfo } from '../shell/api-types.ts';

export const mcpServersKey = ['mcp-servers'] as const;

/** The organization's MCP servers (`agents.write`: whoever builds agents may list them). */
export function useMcpServers(enabled = true) {
  return useQuery({
    queryKey: mcpServersKey,
    queryFn: () => api<{ items: McpServerView[] }>('GET', '/api/mcp-servers'),
    enabled,
  });
}

/**
 * One server's tools. Every listing connects to the server (a stdio server is a process start), so
 * an answer is kept for a minute and a failure is not retried: it is shown next to the server.
 */
const mcpToolsQuery = (server: McpServerView) => ({
  queryKey: [...mcpServersKey, server.id, 'tools'],
  queryFn: () => api<{ items: McpToolInfo[] }>('GET', `/api/mcp-servers/${server.id}/tools`),
  staleTime: 60_000,
  retry: false,
});

export function useMcpTools(server: McpServerView) {
  return useQuery(mcpToolsQuery(server));
}

/** The tools of each server, in the order of `servers`. */
export function useMcpToolsOfEach(servers: McpServerView[]) {
  return useQueries({ queries: servers.map(mcpToolsQuery) });
}
