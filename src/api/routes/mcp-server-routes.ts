import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { createMcpPool } from '../../tools/mcp-pool.ts';
import {
  createMcpServer,
  deleteMcpServer,
  getMcpServerRowOrThrow,
  listMcpServers,
  mcpServerInputSchema,
  toServerConfig,
} from '../../tools/mcp-servers.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1).max(100) });

/**
 * MCP servers (C2), per organization. Registering one is an administrator's act (`settings.manage`):
 * a stdio server is a command this server runs. Listing servers and their tools is for whoever
 * builds agents, since a step names the tools it may call.
 */
export function mcpServerRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/mcp-servers',
      summary:
        "The organization's MCP servers; header and environment values are never shown, only their names",
      tag: 'tools',
      permission: 'agents.write',
      handler: async ({ actor }) => ({ items: await listMcpServers(deps, actor) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/mcp-servers',
      summary:
        'Register an MCP server: a stdio command, or a streamable HTTP URL with headers (sealed at rest)',
      tag: 'tools',
      permission: 'settings.manage',
      status: 201,
      body: mcpServerInputSchema,
      handler: ({ actor, body }) => createMcpServer(deps, actor, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/mcp-servers/:id',
      summary: 'Remove an MCP server; steps that list its tools fail until it is registered again',
      tag: 'tools',
      permission: 'settings.manage',
      status: 204,
      params: idParams,
      handler: async ({ actor, params }) => {
        await deleteMcpServer(deps, actor, params.id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/mcp-servers/:id/tools',
      summary:
        'Connect to the server and list its tools, with the name a step lists each by (mcp:<server>/<tool>)',
      tag: 'tools',
      permission: 'agents.write',
      params: idParams,
      handler: async ({ actor, params }) => {
        const row = await getMcpServerRowOrThrow(deps, actor.orgId, params.id);
        // A connection of its own, closed at once: listing is rare, and the workers' pools belong to runs.
        const pool = createMcpPool(deps.logger);
        try {
          return { items: await pool.listTools(toServerConfig(deps, row)) };
        } finally {
          await pool.close();
        }
      },
    }),
  ];
}
