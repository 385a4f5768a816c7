import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { presentsMetricsToken } from '../../observability/metrics-token.ts';
import { ForbiddenError } from '../../platform/errors.ts';
import { authenticateOrThrow } from '../authenticate.ts';

/**
 * `GET /metrics`: Prometheus text format. Its numbers count every organization's runs, so it is
 * the operator's, not a tenant's: it answers only the bearer token set in `AGENTRUNS_METRICS_TOKEN`.
 * Users (administrators of an organization included) are refused with 403, no credentials with 401;
 * with no token configured nobody can scrape.
 */
export function registerMetricsRoute(app: FastifyInstance, deps: Deps): void {
  const metrics = deps.metrics ?? createMetrics(deps);
  const expected = deps.config.metricsToken;
  app.get('/metrics', async (request, reply) => {
    if (!presentsMetricsToken(request.headers.authorization, expected)) {
      const actor = await authenticateOrThrow(deps, request);
      throw new ForbiddenError(
        `your role (${actor.role}) may not read metrics: /metrics counts every organization's runs and takes only the metrics token (AGENTRUNS_METRICS_TOKEN${expected ? '' : ', not set on this server'})`,
      );
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.render();
  });
}
