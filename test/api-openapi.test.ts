import { compileErrors, validate } from '@readme/openapi-parser';
import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';

/** Every route of the table in SPEC "HTTP API surface", as method and Fastify URL. */
const specRoutes: Array<[HTTPMethods, string]> = [
  ['GET', '/api/health'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/auth/logout'],
  ['GET', '/api/me'],
  ['GET', '/api/agents'],
  ['POST', '/api/agents'],
  ['GET', '/api/agents/:id'],
  ['PATCH', '/api/agents/:id'],
  ['DELETE', '/api/agents/:id'],
  ['GET', '/api/agents/:id/versions'],
  ['POST', '/api/agents/:id/runs'],
  ['GET', '/api/runs'],
  ['GET', '/api/runs/:id'],
  ['PATCH', '/api/runs/:id'],
  ['DELETE', '/api/runs/:id'],
  ['POST', '/api/runs/:id/start'],
  ['POST', '/api/runs/:id/cancel'],
  ['POST', '/api/runs/:id/rerun'],
  ['POST', '/api/runs/:id/duplicate'],
  ['POST', '/api/runs/bulk'],
  ['GET', '/api/runs/:id/events'],
  ['GET', '/api/runs/:id/attempts'],
  ['GET', '/api/files/:id'],
  ['POST', '/api/runs/:id/benchmarks'],
  ['GET', '/api/agents/:id/benchmarks'],
  ['GET', '/api/sites'],
  ['POST', '/api/sites'],
  ['POST', '/api/sites/:id/documents'],
  ['GET', '/api/agents/:id/schedules'],
  ['POST', '/api/agents/:id/schedules'],
  ['GET', '/api/agents/:id/webhooks'],
  ['POST', '/api/agents/:id/webhooks'],
  ['POST', '/api/hooks/:hookId'],
  ['GET', '/api/governance/activity'],
  ['POST', '/api/governance/exports'],
  ['GET', '/api/governance/exports/:id'],
  ['GET', '/api/policy'],
  ['PUT', '/api/policy'],
  ['GET', '/api/governance/keys'],
];

/** The routes built so far; the suite fails if one of them goes missing from the app. */
const builtRoutes = specRoutes.slice(0, 22);

type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<string, { parameters?: Array<{ name: string; in: string }>; security?: unknown[] }>
  >;
};

const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let api: ApiHarness;
  let document: OpenApiDocument;
  beforeAll(async () => {
    api = await createApiHarness('sqlite');
    const res = await api.call<OpenApiDocument>('GET', '/openapi.json', undefined, { token: null });
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(async () => {
    await api.close();
  });

  it('is OpenAPI 3.1 and passes a validator of the specification', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'Agent Runs API', version: expect.any(String) });
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('describes every route of the SPEC table that the app serves', () => {
    for (const [method, url] of builtRoutes) {
      expect(api.app.hasRoute({ method, url }), `${method} ${url} is served`).toBe(true);
    }
    const served = specRoutes.filter(([method, url]) => api.app.hasRoute({ method, url }));
    const missing = served.filter(
      ([method, url]) => !document.paths[openApiPath(url)]?.[method.toLowerCase()],
    );
    expect(missing).toEqual([]);
  });

  it('describes no route the app does not serve', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      const url = path.replace(/\{([A-Za-z]+)\}/g, ':$1');
      for (const method of Object.keys(operations)) {
        expect(
          api.app.hasRoute({ method: method.toUpperCase() as HTTPMethods, url }),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });

  it('names the path parameters and marks the public routes as needing no credentials', () => {
    const run = document.paths['/api/runs/{id}']?.get;
    expect(run?.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    );
    const list = document.paths['/api/runs']?.get;
    expect(list?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['q', 'agentId', 'status', 'trigger', 'archived', 'sort', 'limit', 'cursor']),
    );
    expect(document.paths['/api/health']?.get?.security).toEqual([]);
    expect(document.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(document.paths['/api/runs']?.get?.security).toBeUndefined();
  });

  it('describes the request body of creating a run with the SPEC field names', () => {
    const create = document.paths['/api/agents/{id}/runs']?.post as
      | { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }
      | undefined;
    const properties = create?.requestBody?.content['application/json']?.schema.properties ?? {};
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining([
        'name',
        'variables',
        'modelSettings',
        'stepOverrides',
        'siteIds',
        'notification',
        'start',
      ]),
    );
  });
});
