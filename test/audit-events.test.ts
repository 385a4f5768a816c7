import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

interface AuditEvent {
  id: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  createdAt: string;
}
interface Page {
  items: AuditEvent[];
  nextCursor: string | null;
}

describe.each(storeKinds)('audit events on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  const events = async (query = '') => (await api.call<Page>('GET', `/api/audit-events${query}`)).body;

  it('appends one event for every action on runs, agents, policy, users and tokens', async () => {
    const agent = (await api.call<{ id: string }>('POST', '/api/agents', reportAgent)).body.id;
    await api.call('PATCH', `/api/agents/${agent}`, { description: 'v2' });
    const run = (
      await api.call<{ id: string }>('POST', `/api/agents/${agent}/runs`, {
        variables: { customer: 'A' },
        start: false,
      })
    ).body.id;
    await api.call('POST', `/api/runs/${run}/start`);
    await api.call('POST', `/api/runs/${run}/cancel`);
    await api.call('POST', `/api/runs/${run}/rerun`, {});
    await createWorker(api.deps).runOnce();
    await api.call('PATCH', `/api/runs/${run}`, { archived: true });
    const copy = (await api.call<{ id: string }>('POST', `/api/runs/${run}/duplicate`, { start: false })).body
      .id;
    await api.call('DELETE', `/api/runs/${copy}`);
    await api.call('PUT', '/api/policy', { signingDefault: true });
    const user = (
      await api.call<{ id: string }>('POST', '/api/users', { email: 'u@example.com', role: 'viewer' })
    ).body.id;
    await api.call('PATCH', `/api/users/${user}`, { role: 'runner' });
    const token = (await api.call<{ id: string }>('POST', '/api/tokens', { name: 'x' })).body.id;
    await api.call('DELETE', `/api/tokens/${token}`);
    await api.call('DELETE', `/api/users/${user}`);
    await api.call('DELETE', `/api/agents/${agent}`);

    const page = await events('?limit=500');
    // Seals (issue 09) interleave with the actions as workers finish attempts; checked on their own.
    const sealed = page.items.filter((e) => e.action === 'record.sealed');
    expect(sealed.length).toBeGreaterThan(0);
    const actions = page.items
      .filter((e) => e.action !== 'record.sealed')
      .map((e) => [e.action, e.target])
      .reverse();
    const admin = api.deps.admin.userId;
    expect(actions).toEqual([
      ['organization.created', api.deps.admin.orgId],
      ['policy.changed', 'policy:1'],
      ['token.created', expect.stringMatching(/^tok_/)],
      ['agent.created', agent],
      ['agent.updated', agent],
      ['run.created', run],
      ['run.started', run],
      ['run.canceled', run],
      ['run.rerun', run],
      ['run.archived', run],
      ['run.created', copy],
      ['run.deleted', copy],
      ['policy.changed', 'policy:2'],
      ['user.added', user],
      ['user.role_changed', user],
      ['token.created', token],
      ['token.revoked', token],
      ['user.removed', user],
      ['agent.archived', agent],
    ]);
    const mine = page.items.filter((e) => e.actor === admin);
    expect(mine.length).toBe(page.items.length - sealed.length - 3);
    expect(page.items.every((e) => !Number.isNaN(Date.parse(e.createdAt)))).toBe(true);
    expect(page.items.find((e) => e.action === 'user.role_changed')?.details).toMatchObject({
      role: 'runner',
      previousRole: 'viewer',
    });
  });

  it('filters by action, family, actor and target, and pages with a cursor', async () => {
    const agent = (await api.call<{ id: string }>('POST', '/api/agents', reportAgent)).body.id;
    for (let i = 0; i < 3; i++)
      await api.call('POST', `/api/agents/${agent}/runs`, { variables: { customer: `C${i}` }, start: false });
    expect((await events('?action=run.created')).items).toHaveLength(3);
    expect((await events('?action=agent.*')).items.map((e) => e.action)).toEqual(['agent.created']);
    expect((await events(`?target=${agent}`)).items).toHaveLength(1);
    expect((await events('?actor=system')).items.map((e) => e.action).sort()).toEqual([
      'organization.created',
      'policy.changed',
      'token.created',
    ]);
    const first = await events('?action=run.*&limit=2');
    expect(first.items).toHaveLength(2);
    const second = await events(`?action=run.*&limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((e) => e.id)).size).toBe(3);
  });

  it('refuses a bad filter with the field named', async () => {
    const res = await api.call<ErrorResponse>('GET', '/api/audit-events?action=DROP%20TABLE&from=yesterday');
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['action', 'from']);
  });
});
