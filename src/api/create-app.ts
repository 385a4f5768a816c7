import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { assertCan, can } from '../identity/permissions.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { parseOrThrow } from '../platform/zod-issues.ts';
import { runInOrganization } from '../store/tenant-scope.ts';
import { assertStorableInputOrThrow } from './assert-storable-input.ts';
import { authenticateOrThrow } from './authenticate.ts';
import { handleError } from './error-handler.ts';
import { buildOpenApi } from './openapi.ts';
import type { Route } from './route.ts';
import { agentRoutes } from './routes/agent-routes.ts';
import { benchmarkRoutes } from './routes/benchmark-routes.ts';
import { fileRoutes } from './routes/file-routes.ts';
import { governanceRoutes } from './routes/governance-routes.ts';
import { mcpServerRoutes } from './routes/mcp-server-routes.ts';
import { registerMetricsRoute } from './routes/metrics-route.ts';
import { modelRoutes } from './routes/model-routes.ts';
import { policyRoutes } from './routes/policy-routes.ts';
import { registerRunEventStream } from './routes/run-event-stream.ts';
import { runRoutes } from './routes/run-routes.ts';
import { scheduleRoutes } from './routes/schedule-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { siteRoutes } from './routes/site-routes.ts';
import { userRoutes } from './routes/user-routes.ts';
import { registerWebhookReceiver, webhookReceiverRoute, webhookRoutes } from './routes/webhook-routes.ts';
import { DEFAULT_WEB_DIR, registerWebUi } from './web-ui.ts';

export const API_VERSION = '0.1.0';

/**
 * The HTTP app: every route of `routes`, validated by its zod schemas, authenticated and
 * permission-checked in one place, errors shaped in one place. Tests call `app.inject()`.
 */
export async function createApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only bridges two declarations of the same type.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    // One line per request is noise at a thousand requests a second; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Ids are ULIDs; a long, odd path is someone probing, not a user.
    routerOptions: { maxParamLength: 200 },
  });
  await app.register(cookie);
  // Document uploads (Sites): one file per request, streamed. The size limit is enforced by the blob
  // store as it streams (busboy only truncates at its own limit, so its limit sits one byte above).
  await app.register(multipart, {
    limits: { fileSize: deps.config.uploadLimitBytes + 1, files: 1, fields: 20 },
  });
  // Fastify answers requests that arrive while closing with 503, but a request already in flight
  // kept its keep-alive socket open after its answer, and `app.close()` (SIGTERM) then waited for
  // the client to hang up: up to the 72 s keep-alive timeout. Answers sent while closing say so.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.setErrorHandler(handleError);
  const webUi = await registerWebUi(app, deps.config.webDir ?? DEFAULT_WEB_DIR, deps.store.kind);
  app.setNotFoundHandler((request, reply) => {
    if (webUi.notFound(request, reply)) return reply;
    throw new NotFoundError('route', `${request.method} ${request.url.split('?')[0]}`);
  });

  const routes = apiRoutes(deps);
  for (const route of routes) register(app, deps, route);
  registerRunEventStream(app, deps);
  registerMetricsRoute(app, deps);
  const hookRoute = webhookReceiverRoute(deps);
  await registerWebhookReceiver(app, hookRoute);

  const openapi = buildOpenApi([...routes, hookRoute], API_VERSION);
  app.get('/openapi.json', async () => openapi);
  return app;
}

/** Every JSON route of the API; the permission matrix test walks this list. */
export function apiRoutes(deps: Deps): Route[] {
  return [
    ...sessionRoutes(deps),
    ...agentRoutes(deps),
    ...runRoutes(deps),
    ...userRoutes(deps),
    ...policyRoutes(deps),
    ...fileRoutes(deps),
    ...modelRoutes(deps),
    ...siteRoutes(deps),
    ...scheduleRoutes(deps),
    ...webhookRoutes(deps),
    ...governanceRoutes(deps),
    ...benchmarkRoutes(deps),
    ...mcpServerRoutes(deps),
  ];
}

/**
 * A body's fields are named as the domain names them (`variables.customer`, `steps[1].prompt`,
 * SPEC "HTTP API surface"), so a zod issue and a domain rule about the same field agree; only a
 * body that is not the right kind of value at all is called `body`.
 */
function parseBodyOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  try {
    return parseOrThrow(schema, value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const details = error.details.map((d) => (d.path === '(root)' ? { ...d, path: 'body' } : d));
    throw new ValidationError(error.message.replace(/^\(root\)/, 'body'), details);
  }
}

function register(app: FastifyInstance, deps: Deps, route: Route): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, actor: Actor | undefined) => {
    if (actor && route.permission !== 'public' && route.permission !== 'signed-in') {
      if (route.auditRefusal && !can(actor, route.permission)) {
        assertStorableInputOrThrow(request.params, 'params');
        await route.auditRefusal(actor, request.params);
      }
      assertCan(actor, route.permission);
    }
    assertStorableInputOrThrow(request.params, 'params');
    assertStorableInputOrThrow(request.query, 'query');
    assertStorableInputOrThrow(request.body, 'body');
    const params = route.params ? parseOrThrow(route.params, request.params) : undefined;
    const query = route.query ? parseOrThrow(route.query, request.query) : undefined;
    const body = route.body ? parseBodyOrThrow(route.body, request.body) : undefined;
    const result = await route.handler({
      // Public routes never read the actor; the cast keeps every other handler's type simple.
      actor: actor as NonNullable<typeof actor>,
      body,
      query,
      params,
      request,
      reply,
    });
    if (route.status === 204) return reply.status(204).send();
    return reply.status(route.status ?? 200).send(result);
  };
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      const actor = route.permission === 'public' ? undefined : await authenticateOrThrow(deps, request);
      // Row-level security's second wall: a signed-in request touches its organization's rows only.
      return actor
        ? runInOrganization(actor.orgId, () => handle(request, reply, actor))
        : handle(request, reply, undefined);
    },
  });
}
