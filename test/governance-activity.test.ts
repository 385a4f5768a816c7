import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import type { ActivityItem } from '../src/governance/governance-activity.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { createReportRun, storeKinds } from './support/test-deps.ts';

type Page = { items: ActivityItem[]; nextCursor: string | null };

describe.each(storeKinds)('Governance Activity on %s', (kind) => {
  let api: ApiHarness;
  afterEach(async () => {
    await api.close();
  });

  it('lists audit events and record seals, filtered by actor, action, agent and date', async () => {
    api = await createApiHarness(kind);
    const { agent, run } = await createReportRun(api.deps);
    const other = await createReportRun(api.deps, { customer: 'Globex' });
    await createWorker(api.deps).runOnce();
    await api.call('POST', `/api/runs/${run.id}/rerun`, {});
    await createWorker(api.deps).runOnce();

    const all = await api.call<Page>('GET', '/api/governance/activity?limit=100');
    expect(all.status).toBe(200);
    const actions = all.body.items.map((i) => i.action);
    expect(actions.filter((a) => a === 'record.sealed')).toHaveLength(3);
    expect(actions).toContain('run.rerun');

    const seals = await api.call<Page>('GET', '/api/governance/activity?action=record.sealed');
    expect(seals.body.items.every((i) => i.action === 'record.sealed' && i.actor === 'system')).toBe(true);
    expect(seals.body.items.map((i) => i.details.seq)).toEqual([3, 2, 1]);

    const byAdmin = await api.call<Page>(
      `GET`,
      `/api/governance/activity?actor=${api.deps.admin.userId}&action=run.*`,
    );
    expect(new Set(byAdmin.body.items.map((i) => i.action))).toEqual(new Set(['run.created', 'run.rerun']));

    const byAgent = await api.call<Page>(
      'GET',
      `/api/governance/activity?agentId=${agent.id}&action=record.sealed`,
    );
    expect(byAgent.body.items.map((i) => i.target)).toEqual([run.id, run.id]);
    expect(byAgent.body.items.map((i) => i.target)).not.toContain(other.run.id);

    const future = await api.call<Page>('GET', '/api/governance/activity?from=2999-01-01T00:00:00Z');
    expect(future.body.items).toEqual([]);

    const first = await api.call<Page>('GET', '/api/governance/activity?limit=2');
    const second = await api.call<Page>(
      'GET',
      `/api/governance/activity?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items[0]?.id).toBe(all.body.items[2]?.id);
  });

  it('exports the filtered activity as CSV', async () => {
    api = await createApiHarness(kind);
    await createReportRun(api.deps, { customer: '=HYPERLINK("x")' });
    await createWorker(api.deps).runOnce();
    const csv = await api.call<string>('GET', '/api/governance/activity?format=csv&action=record.sealed');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('at,actor,action,target,details');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d{4}-.*,system,record\.sealed,run_/);
  });

  it('names the field of a bad filter', async () => {
    api = await createApiHarness(kind);
    const response = await api.call<{ error: { details: Array<{ path: string }> } }>(
      'GET',
      '/api/governance/activity?from=yesterday',
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details[0]?.path).toBe('from');
  });

  it('checks the stored chain', async () => {
    api = await createApiHarness(kind);
    await createReportRun(api.deps);
    await createWorker(api.deps).runOnce();
    const chain = await api.call<{ ok: boolean; links: number }>('GET', '/api/governance/chain');
    expect(chain.body).toMatchObject({ ok: true, links: 1 });
  });
});
