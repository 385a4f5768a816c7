import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../src/api/create-app.ts';
import type { Role } from '../src/identity/actor.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

const all: Role[] = ['admin', 'editor', 'runner', 'viewer'];
const agentEditors: Role[] = ['admin', 'editor'];
const runners: Role[] = ['admin', 'editor', 'runner'];
const admins: Role[] = ['admin'];

/**
 * Who may call what, written out by hand (not read from the code), so that a change of the
 * matrix in `identity/permissions.ts` or of a route's permission fails here until this table
 * agrees. `public` needs no credentials; `signed-in` takes every role.
 */
const expected: Record<string, Role[] | 'public'> = {
  'GET /api/health': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',
  'GET /api/me': all,
  'POST /api/auth/logout-all': all,
  'GET /api/agents': all,
  'POST /api/agents': agentEditors,
  'GET /api/agents/:id': all,
  'PATCH /api/agents/:id': agentEditors,
  'DELETE /api/agents/:id': agentEditors,
  'GET /api/agents/:id/versions': all,
  'POST /api/agents/:id/runs': runners,
  'GET /api/runs': all,
  'GET /api/runs/:id': all,
  'PATCH /api/runs/:id': runners,
  'DELETE /api/runs/:id': agentEditors,
  'POST /api/runs/:id/start': runners,
  'POST /api/runs/:id/cancel': runners,
  'POST /api/runs/:id/rerun': runners,
  'POST /api/runs/:id/duplicate': runners,
  'GET /api/runs/:id/attempts': all,
  'POST /api/runs/bulk': all,
  'GET /api/runs/:id/events': all,
  'GET /api/users': admins,
  'POST /api/users': admins,
  'GET /api/users/:id': admins,
  'PATCH /api/users/:id': admins,
  'DELETE /api/users/:id': admins,
  'GET /api/tokens': all,
  'POST /api/tokens': all,
  'DELETE /api/tokens/:id': all,
  'GET /api/policy': all,
  'PUT /api/policy': admins,
  'GET /api/policy/versions': all,
  'GET /api/policy/versions/:version': all,
  'GET /api/audit-events': admins,
  'GET /api/files/:id': all,
  'GET /api/files/:id/preview': all,
  'GET /api/settings/providers': admins,
  'POST /api/settings/providers': admins,
  'PATCH /api/settings/providers/:name': admins,
  'DELETE /api/settings/providers/:name': admins,
  'GET /api/settings/prices': all,
  'PUT /api/settings/prices': admins,
  'GET /api/settings/prices/versions': all,
  'GET /api/settings/prices/versions/:version': all,
  'GET /api/settings/credit-rate': all,
  'PUT /api/settings/credit-rate': admins,
  'GET /api/agents/:id/estimate-accuracy': all,
  'GET /api/usage/members': admins,
  'GET /api/sites': all,
  'POST /api/sites': agentEditors,
  'GET /api/sites/:id': all,
  'PATCH /api/sites/:id': agentEditors,
  'POST /api/sites/:id/documents': agentEditors,
  'GET /api/sites/:id/documents/:documentId': all,
  'DELETE /api/sites/:id/documents/:documentId': agentEditors,
  'GET /api/sites/:id/documents/:documentId/content': all,
  'GET /api/sites/:id/documents/:documentId/text': all,
  'GET /api/sites/:id/documents/:documentId/versions/:version/chunks': all,
  'GET /api/sites/:id/search': all,
  'GET /api/agents/:id/benchmarks': all,
  'PUT /api/agents/:id/benchmarks': agentEditors,
  'POST /api/runs/:id/benchmarks': runners,
  'GET /api/runs/:id/benchmarks': all,
  'POST /api/agents/:id/dataset-runs': runners,
  'GET /api/agents/:id/dataset-runs': all,
  'GET /api/dataset-runs/:id': all,
  'GET /api/agents/:id/schedules': all,
  'POST /api/agents/:id/schedules': agentEditors,
  'GET /api/agents/:id/schedules/:scheduleId': all,
  'PATCH /api/agents/:id/schedules/:scheduleId': agentEditors,
  'DELETE /api/agents/:id/schedules/:scheduleId': agentEditors,
  'GET /api/agents/:id/webhooks': all,
  'POST /api/agents/:id/webhooks': agentEditors,
  'POST /api/agents/:id/webhooks/:webhookId/rotate-secret': agentEditors,
  'DELETE /api/agents/:id/webhooks/:webhookId': agentEditors,
  'GET /api/governance/activity': admins,
  'GET /api/governance/keys': all,
  'POST /api/governance/keys/rotate': admins,
  'GET /api/governance/signing': admins,
  'PUT /api/governance/signing': admins,
  'GET /api/governance/chain': admins,
  'POST /api/governance/exports': admins,
  'GET /api/governance/exports/:id': admins,
  'GET /api/governance/exports/:id/download': admins,
  'GET /api/mcp-servers': agentEditors,
  'POST /api/mcp-servers': admins,
  'DELETE /api/mcp-servers/:id': admins,
  'GET /api/mcp-servers/:id/tools': agentEditors,
};

/** The bulk route checks the permission of its action. */
const bulkExpected: Record<string, Role[]> = {
  archive: runners,
  unarchive: runners,
  cancel: runners,
  rerun: runners,
  delete: agentEditors,
};

const fill = (url: string) => url.replace(':version', '999').replace(/:\w+/g, 'zzz_missing');

describe.each(storeKinds)('the permission matrix on %s', (kind) => {
  let api: ApiHarness;
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    api = await createApiHarness(kind);
    tokens.set('admin', api.deps.token);
    for (const role of ['editor', 'runner', 'viewer'] as const)
      tokens.set(role, (await api.deps.addUser(role)).token);
  });
  afterAll(async () => {
    await api.close();
  });

  it('covers every route of the API, and nothing else', () => {
    const routes = apiRoutes(api.deps).map((r) => `${r.method} ${r.url}`);
    routes.push('GET /api/runs/:id/events');
    expect(routes.sort()).toEqual(Object.keys(expected).sort());
  });

  const call = (key: string, token: string | null, body?: unknown) => {
    const [method, url] = key.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string];
    const withBody = method === 'GET' || method === 'DELETE' ? undefined : (body ?? {});
    return api.call<ErrorResponse>(method, fill(url), withBody, { token });
  };

  for (const [key, allowed] of Object.entries(expected)) {
    if (allowed === 'public') {
      it(`${key} needs no credentials`, async () => {
        const res = await call(key, null, key.includes('login') ? { email: 'a@b.c', password: 'x' } : {});
        expect(res.status).not.toBe(403);
        expect(res.status === 401 && !key.includes('login')).toBe(false);
      });
      continue;
    }
    it(`${key} refuses a request without credentials`, async () => {
      const res = await call(key, null);
      expect(res.status).toBe(401);
    });
    for (const role of all) {
      const may = allowed.includes(role);
      it(`${key} ${may ? 'lets' : 'refuses'} a ${role}`, async () => {
        const res = await call(key, tokens.get(role) ?? null);
        if (may) {
          expect(res.status).not.toBe(401);
          expect(res.status).not.toBe(403);
        } else {
          expect(res.status).toBe(403);
          expect(res.body.error.message).toContain(`your role (${role}) may not`);
        }
      });
    }
  }

  // Outside the API (Prometheus text, not JSON): the operator's metrics token alone may read it,
  // since its counts span organizations (test/observability.test.ts covers the token itself).
  it('GET /metrics refuses a request without credentials', async () => {
    expect((await call('GET /metrics', null)).status).toBe(401);
  });
  for (const role of all) {
    it(`GET /metrics refuses a ${role}`, async () => {
      const res = await call('GET /metrics', tokens.get(role) ?? null);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(`your role (${role}) may not read metrics`);
    });
  }

  for (const [action, allowed] of Object.entries(bulkExpected)) {
    for (const role of all) {
      const may = allowed.includes(role);
      it(`POST /api/runs/bulk ${action} ${may ? 'lets' : 'refuses'} a ${role}`, async () => {
        const res = await call('POST /api/runs/bulk', tokens.get(role) ?? null, {
          action,
          ids: ['zzz_missing'],
        });
        expect(res.status).toBe(may ? 200 : 403);
      });
    }
  }
});
