import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../src/api/create-app.ts';
import { createApiToken } from '../src/identity/api-tokens.ts';
import { createOrganization } from '../src/identity/bootstrap.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

/**
 * How each route is checked from another organization: `id` routes must answer 404 for this
 * organization's ids, exactly as for ids that never existed; `list` routes must not show them;
 * `own` routes act on the caller's own organization only (checked by what stays unchanged).
 */
const kinds: Record<string, 'id' | 'list' | 'own' | 'public'> = {
  'GET /api/health': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',
  'POST /api/auth/logout-all': 'own',
  'GET /api/me': 'list',
  'GET /api/agents': 'list',
  'POST /api/agents': 'own',
  'GET /api/agents/:id': 'id',
  'PATCH /api/agents/:id': 'id',
  'DELETE /api/agents/:id': 'id',
  'GET /api/agents/:id/versions': 'id',
  'POST /api/agents/:id/runs': 'id',
  'GET /api/runs': 'list',
  'GET /api/runs/:id': 'id',
  'PATCH /api/runs/:id': 'id',
  'DELETE /api/runs/:id': 'id',
  'POST /api/runs/:id/start': 'id',
  'POST /api/runs/:id/cancel': 'id',
  'POST /api/runs/:id/rerun': 'id',
  'POST /api/runs/:id/duplicate': 'id',
  'GET /api/runs/:id/attempts': 'id',
  'GET /api/runs/:id/events': 'id',
  'POST /api/runs/bulk': 'own',
  'GET /api/users': 'list',
  'POST /api/users': 'own',
  'GET /api/users/:id': 'id',
  'PATCH /api/users/:id': 'id',
  'DELETE /api/users/:id': 'id',
  'GET /api/tokens': 'list',
  'POST /api/tokens': 'own',
  'DELETE /api/tokens/:id': 'id',
  'GET /api/policy': 'list',
  'PUT /api/policy': 'own',
  'GET /api/policy/versions': 'list',
  'GET /api/policy/versions/:version': 'id',
  'GET /api/audit-events': 'list',
  'GET /api/files/:id': 'id',
  'GET /api/files/:id/preview': 'id',
  'GET /api/settings/providers': 'list',
  'POST /api/settings/providers': 'own',
  'PATCH /api/settings/providers/:name': 'own',
  'DELETE /api/settings/providers/:name': 'own',
  'GET /api/settings/prices': 'list',
  'PUT /api/settings/prices': 'own',
  'GET /api/settings/prices/versions': 'list',
  'GET /api/settings/prices/versions/:version': 'own',
  'GET /api/settings/credit-rate': 'list',
  'PUT /api/settings/credit-rate': 'own',
  'GET /api/agents/:id/estimate-accuracy': 'id',
  'GET /api/usage/members': 'list',
  'GET /api/sites': 'list',
  'POST /api/sites': 'own',
  'GET /api/sites/:id': 'id',
  'PATCH /api/sites/:id': 'id',
  'POST /api/sites/:id/documents': 'own',
  'GET /api/sites/:id/documents/:documentId': 'id',
  'DELETE /api/sites/:id/documents/:documentId': 'id',
  'GET /api/sites/:id/documents/:documentId/content': 'id',
  'GET /api/sites/:id/documents/:documentId/text': 'id',
  'GET /api/sites/:id/documents/:documentId/versions/:version/chunks': 'id',
  'GET /api/sites/:id/search': 'id',
  'GET /api/agents/:id/benchmarks': 'id',
  'PUT /api/agents/:id/benchmarks': 'id',
  'POST /api/runs/:id/benchmarks': 'id',
  'GET /api/runs/:id/benchmarks': 'id',
  'POST /api/agents/:id/dataset-runs': 'id',
  'GET /api/agents/:id/dataset-runs': 'id',
  'GET /api/dataset-runs/:id': 'id',
  'GET /api/agents/:id/schedules': 'id',
  'POST /api/agents/:id/schedules': 'id',
  'GET /api/agents/:id/schedules/:scheduleId': 'id',
  'PATCH /api/agents/:id/schedules/:scheduleId': 'id',
  'DELETE /api/agents/:id/schedules/:scheduleId': 'id',
  'GET /api/agents/:id/webhooks': 'id',
  'POST /api/agents/:id/webhooks': 'id',
  'POST /api/agents/:id/webhooks/:webhookId/rotate-secret': 'id',
  'DELETE /api/agents/:id/webhooks/:webhookId': 'id',
  'GET /api/governance/activity': 'list',
  'GET /api/governance/keys': 'list',
  'POST /api/governance/keys/rotate': 'own',
  'GET /api/governance/signing': 'list',
  'PUT /api/governance/signing': 'own',
  'GET /api/governance/chain': 'list',
  'POST /api/governance/exports': 'own',
  'GET /api/governance/exports/:id': 'id',
  'GET /api/governance/exports/:id/download': 'id',
  'GET /api/mcp-servers': 'list',
  'POST /api/mcp-servers': 'own',
  'DELETE /api/mcp-servers/:id': 'id',
  'GET /api/mcp-servers/:id/tools': 'id',
};

const bodies: Record<string, unknown> = {
  'PATCH /api/agents/:id': { description: 'taken over' },
  'POST /api/agents/:id/runs': { variables: { customer: 'Mallory' } },
  'PATCH /api/runs/:id': { name: 'taken over' },
  'POST /api/runs/:id/rerun': {},
  'POST /api/runs/:id/duplicate': {},
  'PATCH /api/users/:id': { role: 'viewer' },
  'PATCH /api/sites/:id': { name: 'taken over' },
  'POST /api/agents/:id/schedules': {
    cron: '0 9 * * *',
    timezone: 'UTC',
    variables: { customer: 'Mallory' },
  },
  'PATCH /api/agents/:id/schedules/:scheduleId': { enabled: false },
  'POST /api/agents/:id/webhooks': { variables: { customer: '/customer' } },
};

/** Query strings a route needs before it looks at the id. */
const queries: Record<string, string> = {
  'GET /api/sites/:id/search': '?q=policy',
};

describe.each(storeKinds)('organizations as tenants on %s', (kind) => {
  let api: ApiHarness;
  let other: string;
  const mine = {
    agent: '',
    run: '',
    finished: '',
    user: '',
    token: '',
    tokenSecret: '',
    site: '',
    schedule: '',
    webhook: '',
    mcpServer: '',
  };
  const ids = () => [
    mine.agent,
    mine.run,
    mine.finished,
    mine.user,
    mine.token,
    mine.site,
    mine.schedule,
    mine.webhook,
    mine.mcpServer,
  ];

  beforeAll(async () => {
    api = await createApiHarness(kind);
    mine.agent = (await api.call<{ id: string }>('POST', '/api/agents', reportAgent)).body.id;
    const run = (a: Record<string, unknown>) =>
      api.call<{ id: string }>('POST', `/api/agents/${mine.agent}/runs`, {
        variables: { customer: 'Acme' },
        ...a,
      });
    mine.run = (await run({ start: false })).body.id;
    mine.finished = (await run({ start: true })).body.id;
    await api.call('POST', `/api/runs/${mine.finished}/cancel`);
    mine.user = (
      await api.call<{ id: string }>('POST', '/api/users', { email: 'ann@a.example', role: 'editor' })
    ).body.id;
    const token = await api.call<{ id: string; token: string }>('POST', '/api/tokens', { name: 'mine' });
    mine.token = token.body.id;
    mine.tokenSecret = token.body.token;
    await api.call('PUT', '/api/policy', { retentionDays: 1 });
    mine.site = (await api.call<{ id: string }>('POST', '/api/sites', { name: 'Mine' })).body.id;
    const schedule = await api.call<{ id: string }>('POST', `/api/agents/${mine.agent}/schedules`, {
      cron: '0 9 * * *',
      timezone: 'UTC',
      variables: { customer: 'Acme' },
    });
    mine.schedule = schedule.body.id;
    const webhook = await api.call<{ id: string }>('POST', `/api/agents/${mine.agent}/webhooks`, {
      variables: { customer: '/customer' },
    });
    mine.webhook = webhook.body.id;
    // Never connected to: another organization's requests must stop at the lookup.
    const mcp = await api.call<{ id: string }>('POST', '/api/mcp-servers', {
      name: 'mine',
      transport: 'http',
      url: 'http://127.0.0.1:9/mcp',
      headers: { Authorization: 'Bearer mine' },
      allowPrivateAddresses: true,
    });
    mine.mcpServer = mcp.body.id;
    await createOrganization(api.deps, {
      name: 'Other',
      adminEmail: 'boss@b.example',
      adminPassword: 'other admin password',
    });
    other = (await createApiToken(api.deps, 'boss@b.example')).token;
  });
  afterAll(async () => {
    await api.close();
  });

  it('classifies every route', () => {
    const routes = apiRoutes(api.deps).map((r) => `${r.method} ${r.url}`);
    routes.push('GET /api/runs/:id/events');
    expect(routes.sort()).toEqual(Object.keys(kinds).sort());
  });

  const idFor = (url: string) => {
    if (url.startsWith('/api/agents/')) return mine.agent;
    if (url.startsWith('/api/runs/')) return url.includes('/start') ? mine.run : mine.finished;
    if (url.startsWith('/api/users/')) return mine.user;
    if (url.startsWith('/api/tokens/')) return mine.token;
    if (url.startsWith('/api/sites/')) return mine.site;
    if (url.startsWith('/api/mcp-servers/')) return mine.mcpServer;
    return '2';
  };
  /** The route's first parameter is `id`; the ones after it name this organization's rows too. */
  const fillRest = (url: string) =>
    url
      .replace(':scheduleId', mine.schedule)
      .replace(':webhookId', mine.webhook)
      .replace(':version', '1')
      .replace(/:\w+/g, 'zzz_missing');

  for (const [key, kindOfRoute] of Object.entries(kinds)) {
    const [method, url] = key.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string];
    if (kindOfRoute === 'id') {
      it(`${key} answers another organization's id as if it did not exist`, async () => {
        const id = idFor(url);
        const body = method === 'GET' || method === 'DELETE' ? undefined : (bodies[key] ?? {});
        const theirs = await api.call<ErrorResponse>(
          method,
          fillRest(url.replace(/:id|:version/, id)) + (queries[key] ?? ''),
          body,
          {
            token: other,
          },
        );
        const missing = id === '2' ? '7' : `${id.slice(0, 4)}01AAAAAAAAAAAAAAAAAAAAAAAA`;
        const none = await api.call<ErrorResponse>(
          method,
          fillRest(url.replace(/:id|:version/, missing)) + (queries[key] ?? ''),
          body,
          { token: other },
        );
        expect(theirs.status).toBe(404);
        expect(none.status).toBe(404);
        expect(theirs.body.error.message.replace(id, '?')).toBe(
          none.body.error.message.replace(missing, '?'),
        );
      });
    }
    if (kindOfRoute === 'list') {
      it(`${key} shows nothing of another organization`, async () => {
        const res = await api.call(method, url, undefined, { token: other });
        expect(res.status).toBe(200);
        const text = JSON.stringify(res.body);
        for (const id of [...ids(), api.deps.admin.userId, api.deps.admin.orgId])
          expect(text).not.toContain(id);
      });
    }
  }

  it('keeps /metrics, whose counts span organizations, from every tenant', async () => {
    for (const token of [other, api.deps.token]) {
      const res = await api.call<ErrorResponse>('GET', '/metrics', undefined, { token });
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('agentruns_runs');
    }
  });

  it("cannot act on another organization's runs in bulk", async () => {
    for (const action of ['archive', 'cancel', 'rerun', 'delete']) {
      const res = await api.call<{ results: Array<{ ok: boolean; error?: { status: number } }> }>(
        'POST',
        '/api/runs/bulk',
        { action, ids: [mine.run, mine.finished] },
        { token: other },
      );
      expect(res.body.results.map((r) => [r.ok, r.error?.status])).toEqual([
        [false, 404],
        [false, 404],
      ]);
    }
    const everything = await api.call<{ results: unknown[] }>(
      'POST',
      '/api/runs/bulk',
      { action: 'archive', filter: {} },
      { token: other },
    );
    expect(everything.body.results).toEqual([]);
  });

  it("has its own policy, and another organization's changes leave it alone", async () => {
    const theirs = await api.call<{ version: number }>('GET', '/api/policy', undefined, { token: other });
    expect(theirs.body.version).toBe(1);
    await api.call('PUT', '/api/policy', { permittedModels: ['nothing/*'] }, { token: other });
    const own = await api.call<{ version: number; policy: { permittedModels: string[] } }>(
      'GET',
      '/api/policy',
    );
    expect([own.body.version, own.body.policy.permittedModels]).toEqual([2, ['*']]);
  });

  it('leaves every row of the first organization as it was', async () => {
    const run = await api.call<{ name: string; archived: boolean; status: string }>(
      'GET',
      `/api/runs/${mine.run}`,
    );
    expect(run.body).toMatchObject({ name: 'Weekly account report — Acme', archived: false, status: 'new' });
    const agent = await api.call<{ version: number; archived: boolean }>('GET', `/api/agents/${mine.agent}`);
    expect(agent.body).toMatchObject({ version: 1, archived: false });
    const user = await api.call<{ role: string }>('GET', `/api/users/${mine.user}`);
    expect(user.body.role).toBe('editor');
    expect((await api.call('GET', '/api/me', undefined, { token: mine.tokenSecret })).status).toBe(200);
    const runs = await api.call<{ items: unknown[] }>('GET', '/api/runs?archived=all');
    expect(runs.body.items).toHaveLength(2);
    const servers = await api.call<{ items: Array<{ id: string }> }>('GET', '/api/mcp-servers');
    expect(servers.body.items.map((s) => s.id)).toEqual([mine.mcpServer]);
  });
});
