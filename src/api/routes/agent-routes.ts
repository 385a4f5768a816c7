import { z } from 'zod';
import { agentInputSchema } from '../../agents/agent-definition.ts';
import {
  createAgent,
  getAgentOrThrow,
  listAgents,
  listAgentVersions,
  updateAgent,
} from '../../agents/agent-service.ts';
import { setsWebhookSecret, withMaskedSecrets } from '../../agents/notification-secret.ts';
import type { Deps } from '../../deps.ts';
import { createRun } from '../../runs/create-run.ts';
import { createRunInputSchema } from '../../runs/run-input.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

const agentFields = [...Object.keys(agentInputSchema.shape), 'archived'];

/**
 * A patch is merged over the latest definition, whose parser drops keys it does not know: a typo
 * (`nmae`) made a new version identical to the last, and `{}` or `archived: "yes"` was audited as
 * an unarchive. So the keys are checked here, by name.
 */
const agentPatchSchema = z.record(z.string(), z.unknown()).superRefine((patch, ctx) => {
  const keys = Object.keys(patch);
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `give one of ${agentFields.join(', ')}` });
  for (const key of keys) {
    if (!agentFields.includes(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `unknown field; an agent has ${agentFields.join(', ')}`,
      });
  }
  if ('archived' in patch && typeof patch.archived !== 'boolean')
    ctx.addIssue({ code: 'custom', path: ['archived'], message: 'must be true or false' });
});

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
      handler: async ({ actor, params }) => withMaskedSecrets(await getAgentOrThrow(deps, actor, params.id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/agents/:id',
      summary: 'Edit an agent: any change of its definition makes a new version; archived alone does not',
      tag: 'agents',
      permission: 'agents.write',
      params: idParams,
      // Any field of an agent, plus `archived`; the whole result is validated as a definition.
      body: agentPatchSchema,
      // The answer shows a webhook secret only when this edit set (rotated) it.
      handler: async ({ actor, params, body }) => {
        const agent = await updateAgent(deps, actor, params.id, body);
        return setsWebhookSecret(body) ? agent : withMaskedSecrets(agent);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/agents/:id',
      summary: 'Archive an agent (its versions and runs stay)',
      tag: 'agents',
      permission: 'agents.write',
      params: idParams,
      handler: async ({ actor, params }) =>
        withMaskedSecrets(await updateAgent(deps, actor, params.id, { archived: true })),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/versions',
      summary: 'Every version of an agent, newest first',
      tag: 'agents',
      permission: 'agents.read',
      params: idParams,
      handler: async ({ actor, params }) => ({
        items: (await listAgentVersions(deps, actor, params.id)).map((v) => ({
          ...v,
          definition: withMaskedSecrets(v.definition),
        })),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/runs',
      summary: 'Create a run of an agent; it starts unless start is false',
      tag: 'runs',
      permission: 'runs.start',
      status: 201,
      params: idParams,
      // Every field has a default: a bare POST runs the agent on its defaults, as rerun does.
      body: createRunInputSchema.optional().default({ start: true }),
      handler: ({ actor, params, body }) =>
        createRun(deps, actor, params.id, body, { kind: 'manual', by: actor.userId }),
    }),
  ];
}
