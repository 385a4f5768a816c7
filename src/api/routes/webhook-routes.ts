import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { receiveWebhook } from '../../triggers/receive-webhook.ts';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  rotateWebhookSecret,
  webhookInputSchema,
} from '../../triggers/webhook-service.ts';
import { defineRoute, type Route } from '../route.ts';

const agentParams = z.object({ id: z.string().min(1) });

/** Webhooks of an agent (T2). */
export function webhookRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/webhooks',
      summary: "An agent's webhooks (their secrets are never shown again)",
      tag: 'triggers',
      permission: 'agents.read',
      params: agentParams,
      handler: async ({ actor, params }) => ({ items: await listWebhooks(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/webhooks',
      summary: 'Add a webhook: its URL and its secret (shown once), and a JSON Pointer per variable',
      tag: 'triggers',
      permission: 'agents.write',
      status: 201,
      params: agentParams,
      body: webhookInputSchema,
      handler: ({ actor, params, body }) => createWebhook(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/webhooks/:webhookId/rotate-secret',
      summary: 'Give a webhook a new signing secret (shown once); the old one stops working at once',
      tag: 'triggers',
      permission: 'agents.write',
      params: z.object({ id: z.string().min(1), webhookId: z.string().min(1) }),
      handler: ({ actor, params }) => rotateWebhookSecret(deps, actor, params.id, params.webhookId),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/agents/:id/webhooks/:webhookId',
      summary: 'Delete a webhook',
      tag: 'triggers',
      permission: 'agents.write',
      status: 204,
      params: z.object({ id: z.string().min(1), webhookId: z.string().min(1) }),
      handler: ({ actor, params }) => deleteWebhook(deps, actor, params.id, params.webhookId),
    }),
  ];
}

/**
 * `POST /api/hooks/:hookId`: public (the signature is the credential). Described in the OpenAPI
 * document like any route, but served by `registerWebhookReceiver`, whose parser keeps the body as
 * received, since the signature covers the exact bytes.
 */
export function webhookReceiverRoute(deps: Deps): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/hooks/:hookId',
    summary:
      'Start a run from a Standard Webhooks request (webhook-id, webhook-timestamp, webhook-signature); 202 with the run id',
    tag: 'triggers',
    permission: 'public',
    status: 202,
    params: z.object({ hookId: z.string().min(1) }),
    response: z.object({ runId: z.string(), status: z.string() }),
    handler: ({ params, request }) =>
      receiveWebhook(deps, {
        hookId: params.hookId,
        rawBody: typeof request.body === 'string' ? request.body : '',
        headers: request.headers,
      }),
  });
}

export async function registerWebhookReceiver(app: FastifyInstance, route: Route): Promise<void> {
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    scope.post<{ Params: { hookId: string } }>(route.url, async (request, reply) => {
      const result = await route.handler({
        actor: undefined as never,
        body: undefined,
        query: undefined,
        params: { hookId: request.params.hookId },
        request,
        reply,
      });
      return reply.status(route.status ?? 200).send(result);
    });
  });
}
