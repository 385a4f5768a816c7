import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import type { RunDetails, RunSummary } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

interface BulkResult {
  id: string;
  ok: boolean;
  status?: string;
  error?: { code: string; message: string; status: number };
}
interface BulkResponse {
  action: string;
  results: BulkResult[];
}

describe.each(storeKinds)('bulk run actions on %s', (kind) => {
  let api: ApiHarness;
  let agent: AgentView;
  beforeEach(async () => {
    api = await createApiHarness(kind);
    agent = (await api.call<AgentView>('POST', '/api/agents', reportAgent)).body;
  });
  afterEach(async () => {
    await api.close();
  });

  const createRun = async (body: Record<string, unknown> = {}) =>
    (
      await api.call<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
        variables: { customer: 'Acme' },
        ...body,
      })
    ).body;
  const bulk = async (body: unknown, token?: string) => {
    const res = await api.call<BulkResponse>('POST', '/api/runs/bulk', body, token ? { token } : {});
    return res;
  };
  const statusOf = async (id: string) => (await api.call<RunDetails>('GET', `/api/runs/${id}`)).body;

  it('archives and unarchives the runs it is given, with a result per id', async () => {
    const a = await createRun();
    const b = await createRun({ start: false });
    const res = await bulk({ action: 'archive', ids: [a.id, b.id] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      action: 'archive',
      results: [
        { id: a.id, ok: true, status: 'enqueued' },
        { id: b.id, ok: true, status: 'new' },
      ],
    });
    expect((await statusOf(a.id)).archived).toBe(true);
    const back = await bulk({ action: 'unarchive', ids: [a.id] });
    expect(back.body.results).toEqual([{ id: a.id, ok: true, status: 'enqueued' }]);
    expect((await statusOf(a.id)).archived).toBe(false);
  });

  it('reports a 409 for a run whose status refuses the action and a 404 for an unknown id', async () => {
    const done = await createRun();
    await createWorker(api.deps).runOnce();
    const enqueued = await createRun();
    const res = await bulk({ action: 'cancel', ids: [enqueued.id, done.id, 'run_nothing'] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { id: enqueued.id, ok: true, status: 'canceled' },
      {
        id: done.id,
        ok: false,
        error: { code: 'conflict', status: 409, message: expect.stringContaining('it is completed') },
      },
      {
        id: 'run_nothing',
        ok: false,
        error: { code: 'not_found', status: 404, message: 'run run_nothing not found' },
      },
    ]);
  });

  it('deletes finished runs and keeps the ones in flight', async () => {
    const done = await createRun();
    await createWorker(api.deps).runOnce();
    const inFlight = await createRun();
    const res = await bulk({ action: 'delete', ids: [done.id, inFlight.id] });
    expect(res.body.results.map((r) => [r.id, r.ok, r.error?.status])).toEqual([
      [done.id, true, undefined],
      [inFlight.id, false, 409],
    ]);
    expect((await api.call('GET', `/api/runs/${done.id}`)).status).toBe(404);
    expect((await statusOf(inFlight.id)).status).toBe('enqueued');
  });

  it('reruns finished runs as new attempts', async () => {
    const done = await createRun();
    await createWorker(api.deps).runOnce();
    const res = await bulk({ action: 'rerun', ids: [done.id] });
    expect(res.body.results).toEqual([{ id: done.id, ok: true, status: 'enqueued' }]);
    expect((await statusOf(done.id)).attempt).toBe(2);
  });

  it('acts on every run matching a filter, and on none outside it', async () => {
    const fresh = await createRun({ start: false, name: 'Fresh one' });
    const done = await createRun();
    await createWorker(api.deps).runOnce();
    const enqueued = await createRun();
    const res = await bulk({ action: 'archive', filter: { status: 'completed,new' } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.id).sort()).toEqual([fresh.id, done.id].sort());
    const page = await api.call<{ items: RunSummary[] }>('GET', '/api/runs');
    expect(page.body.items.map((r) => r.id)).toEqual([enqueued.id]);

    const byName = await bulk({ action: 'unarchive', filter: { q: 'fresh', archived: true } });
    expect(byName.body.results.map((r) => r.id)).toEqual([fresh.id]);
    const none = await bulk({ action: 'cancel', filter: { agentId: 'agt_other' } });
    expect(none.body.results).toEqual([]);
  });

  it('refuses a request that names neither ids nor a filter, rather than acting on every run', async () => {
    const run = await createRun({ start: false });
    const res = await api.call<ErrorResponse>('POST', '/api/runs/bulk', { action: 'archive' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]?.path).toBe('ids');
    const both = await api.call<ErrorResponse>('POST', '/api/runs/bulk', {
      action: 'archive',
      ids: [run.id],
      filter: {},
    });
    expect(both.status).toBe(400);
    expect((await statusOf(run.id)).archived).toBe(false);
  });

  it('refuses an unknown action, an empty id list and a bad status filter with the field named', async () => {
    for (const [body, path] of [
      [{ action: 'explode', ids: ['run_x'] }, 'action'],
      [{ action: 'archive', ids: [] }, 'ids'],
      [{ action: 'archive', ids: 'run_x' }, 'ids'],
      [{ action: 'archive', filter: { status: 'sleeping' } }, 'filter.status'],
    ] as const) {
      const res = await api.call<ErrorResponse>('POST', '/api/runs/bulk', body);
      expect([res.status, res.body.error.details[0]?.path]).toEqual([400, path]);
    }
  });

  it('forbids a viewer from acting on runs, and lets a runner archive but not delete', async () => {
    const run = await createRun({ start: false });
    const viewer = await api.deps.addUser('viewer');
    const refused = await api.call<ErrorResponse>(
      'POST',
      '/api/runs/bulk',
      { action: 'archive', ids: [run.id] },
      { token: viewer.token },
    );
    expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);

    const runner = await api.deps.addUser('runner');
    expect((await bulk({ action: 'archive', ids: [run.id] }, runner.token)).status).toBe(200);
    expect((await bulk({ action: 'delete', ids: [run.id] }, runner.token)).status).toBe(403);
    expect((await statusOf(run.id)).archived).toBe(true);
  });
});
