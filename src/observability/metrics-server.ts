import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';
import { presentsMetricsToken } from './metrics-token.ts';

export interface MetricsServer {
  /** `http://host:port/metrics` as bound (port 0 picks a free one). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `agentruns worker`'s own `GET /metrics` (AGENTRUNS_WORKER_METRICS_PORT): the step and model-call
 * histograms of the attempts this process ran, which no `serve` sees, plus the same database gauges.
 * The API is not served here, so only the metrics token is taken: 401 without credentials, 403
 * with another, 404 for any other path.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  token: string | undefined;
  port: number;
  host: string;
}): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    // The API's error shape: `{ error: { code, message, details } }`.
    const fail = (status: number, code: string, message: string) =>
      send(status, JSON.stringify({ error: { code, message, details: [] } }));
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' || path !== '/metrics')
      return fail(404, 'not_found', 'this port serves GET /metrics only');
    if (!request.headers.authorization)
      return fail(
        401,
        'unauthorized',
        'present the metrics token (AGENTRUNS_METRICS_TOKEN) as a bearer token',
      );
    if (!presentsMetricsToken(request.headers.authorization, options.token))
      return fail(
        403,
        'forbidden',
        `/metrics takes only the metrics token (AGENTRUNS_METRICS_TOKEN${options.token ? '' : ', not set on this worker'})`,
      );
    options.metrics.render().then(
      (text) => send(200, text, options.metrics.registry.contentType),
      () => fail(500, 'internal_error', 'internal error; see the worker log'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
