import { z } from 'zod';
import { agentInputSchema } from '../../agents/agent-definition.ts';
import {
  createAgent,
  getAgentOrThrow,
  listAgents,
  listAgentVersions,
  updateAgent,
} from '../../agents/agent-service.ts';
import type { Deps } from '../../deps.ts';
import { createRun } from '../../runs/create-run.ts';
import { createRunInputSchema } from '../../runs/run-input.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

export function agentRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/agents',
      summary: 'List agents, newest first',
      tag: 'agents',
      permission: 'agents.read',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().optional(),
        archived: z.enum(['true', 'false']).optional(),
        q: z.string().max(200).optional(),
      }),
      handler: ({ actor, query }) =>
        listAgents(deps, actor, {
          limit: query.limit,
          cursor: query.cursor,
          archived: query.archived === undefined ? undefined : query.archived === 'true',
          q: query.q,
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents',
      summary: 'Create an agent (version 1)',
      tag: 'agents',
      permission: 'agents.write',
      status: 201,
      body: agentInputSchema,
      handler: ({ actor, body }) => createAgent(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id',
      summary: 'An agent at its latest version',
      tag: 'agents',
      permission: 'agents.read',
      params: idParams,
      handler: ({ actor, params }) => getAgentOrThrow(deps, actor, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/agents/:id',
      summary: 'Edit an agent: any change of its definition makes a new version; archived alone does not',
      tag: 'agents',
      permission: 'agents.write',
      params: idParams,
      // Any field of an agent, plus `archived`; the whole result is validated as a definition.
      body: z.record(z.string(), z.unknown()),
      handler: ({ actor, params, body }) => updateAgent(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/agents/:id',
      summary: 'Archive an agent (its versions and runs stay)',
      tag: 'agents',
      permission: 'agents.write',
      params: idParams,
      handler: ({ actor, params }) => updateAgent(deps, actor, params.id, { archived: true }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/versions',
      summary: 'Every version of an agent, newest first',
      tag: 'agents',
      permission: 'agents.read',
      params: idParams,
      handler: async ({ actor, params }) => ({ items: await listAgentVersions(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/runs',
      summary: 'Create a run of an agent; it starts unless start is false',
      tag: 'runs',
      permission: 'runs.start',
      status: 201,
      params: idParams,
      body: createRunInputSchema,
      handler: ({ actor, params, body }) =>
        createRun(deps, actor, params.id, body, { kind: 'manual', by: actor.userId }),
    }),
  ];
}
