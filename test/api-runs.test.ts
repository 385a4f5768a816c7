import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import type { AttemptView } from '../src/runs/get-run.ts';
import type { RunDetails, RunSummary } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

type RunPage = { items: RunSummary[]; nextCursor: string | null };

/** The field names of `GET /api/runs/:id` that SPEC "The shapes, by example" makes a contract. */
const runContractKeys = [
  'id',
  'name',
  'agentId',
  'agentVersion',
  'status',
  'statusText',
  'trigger',
  'variables',
  'modelSettings',
  'stepOverrides',
  'stepCount',
  'estimatedCredits',
  'actualCredits',
  'siteIds',
  'notification',
  'archived',
  'createdAt',
  'updatedAt',
  'lastCompletedAt',
  'attempt',
  'steps',
  'output',
  'files',
];
const stepContractKeys = [
  'number',
  'name',
  'status',
  'output',
  'model',
  'reasoningEffort',
  'reused',
  'queuedAt',
  'startedAt',
  'finishedAt',
  'usage',
  'credits',
  'files',
  'toolCalls',
  'sources',
];
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(storeKinds)('runs API on %s', (kind) => {
  let api: ApiHarness;
  let agent: AgentView;
  beforeEach(async () => {
    api = await createApiHarness(kind);
    agent = (await api.call<AgentView>('POST', '/api/agents', reportAgent)).body;
  });
  afterEach(async () => {
    await api.close();
  });

  const work = () => createWorker(api.deps).runOnce();
  const createRun = async (body: Record<string, unknown> = {}, agentId = agent.id) => {
    const res = await api.call<RunDetails>('POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const getRun = async (id: string) => (await api.call<RunDetails>('GET', `/api/runs/${id}`)).body;
  const list = async (query = '') => {
    const res = await api.call<RunPage>('GET', `/api/runs${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('creates a run that starts at once, and one that waits when start is false', async () => {
    const started = await createRun();
    expect([started.status, started.statusText, started.attempt]).toEqual([
      'enqueued',
      'Waiting for a worker',
      1,
    ]);
    const waiting = await createRun({ start: false });
    expect([waiting.status, waiting.statusText, waiting.attempt]).toEqual(['new', 'Not started', 0]);
    expect(waiting.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);

    await work();
    expect((await getRun(started.id)).status).toBe('completed');
    expect((await getRun(waiting.id)).status).toBe('new');

    const start = await api.call<RunDetails>('POST', `/api/runs/${waiting.id}/start`);
    expect(start.status).toBe(200);
    expect(start.body.status).toBe('enqueued');
    await work();
    expect((await getRun(waiting.id)).status).toBe('completed');
  });

  it('returns a finished run in the shape of the SPEC example', async () => {
    const created = await createRun();
    await work();
    const res = await api.call<RunDetails>('GET', `/api/runs/${created.id}`);
    expect(res.status).toBe(200);
    const run = res.body;
    for (const key of runContractKeys) expect(run, `run.${key}`).toHaveProperty(key);
    expect(run).toMatchObject({
      id: expect.stringMatching(/^run_/),
      name: 'Weekly account report — Acme',
      agentId: agent.id,
      agentVersion: 1,
      status: 'completed',
      statusText: 'Completed 3 of 3 steps',
      trigger: { kind: 'manual', by: api.deps.admin.userId },
      variables: [
        { name: 'customer', value: 'Acme', source: 'override' },
        { name: 'period', value: 'last 7 days', source: 'default' },
      ],
      modelSettings: { model: 'simulated/default', reasoningEffort: 'low' },
      stepOverrides: [{ step: 2, reasoningEffort: 'high' }],
      stepCount: 3,
      siteIds: [],
      notification: { on: 'failure', email: ['ops@example.com'] },
      archived: false,
      attempt: 1,
      files: [],
    });
    expect(run.estimatedCredits).toBeGreaterThan(0);
    expect(run.actualCredits).toBeGreaterThan(0);
    for (const time of [run.createdAt, run.updatedAt, run.lastCompletedAt]) expect(time).toMatch(isoTime);
    expect(run.output).toBe(run.steps[2]?.output);
    expect(run.steps).toHaveLength(3);
    run.steps.forEach((step, i) => {
      for (const key of stepContractKeys) expect(step, `steps[${i}].${key}`).toHaveProperty(key);
      expect(step).toMatchObject({
        number: i + 1,
        name: ['Gather', 'Summarize', 'Report'][i],
        status: 'completed',
        output: expect.stringContaining('Simulated answer'),
        model: 'simulated/default',
        reasoningEffort: i === 1 ? 'high' : 'low',
        reused: false,
        files: [],
        toolCalls: [],
        sources: [],
      });
      for (const time of [step.queuedAt, step.startedAt, step.finishedAt]) expect(time).toMatch(isoTime);
      expect(step.usage).toMatchObject({
        inputTokens: expect.any(Number),
        outputTokens: expect.any(Number),
      });
      expect(step.credits).toBeGreaterThan(0);
    });
  });

  it('takes the run options of the create body and reports them back', async () => {
    const run = await createRun({
      name: 'Quarterly for Acme',
      variables: { customer: 'Acme', period: 'Q3' },
      modelSettings: { reasoningEffort: 'medium', maxOutputTokens: 200 },
      stepOverrides: [{ step: 3, model: 'simulated/delay-1' }],
      siteIds: ['sit_1'],
      notification: { on: 'always', email: ['me@example.com'] },
      start: false,
    });
    expect(run).toMatchObject({
      name: 'Quarterly for Acme',
      variables: [
        { name: 'customer', value: 'Acme', source: 'override' },
        { name: 'period', value: 'Q3', source: 'override' },
      ],
      modelSettings: { model: 'simulated/default', reasoningEffort: 'medium', maxOutputTokens: 200 },
      stepOverrides: [
        { step: 2, reasoningEffort: 'high' },
        { step: 3, model: 'simulated/delay-1' },
      ],
      siteIds: ['sit_1'],
      notification: { on: 'always', email: ['me@example.com'] },
    });
    expect(run.steps.map((s) => [s.model, s.reasoningEffort])).toEqual([
      ['simulated/default', 'medium'],
      ['simulated/default', 'high'],
      ['simulated/delay-1', 'medium'],
    ]);
  });

  it('lists runs newest first with filters for agent, status, trigger and archived', async () => {
    const other = (
      await api.call<AgentView>('POST', '/api/agents', {
        ...reportAgent,
        name: 'Failing report',
        modelSettings: { model: 'simulated/fail-at-step-1' },
      })
    ).body;
    const completed = await createRun();
    const failed = await createRun({}, other.id);
    await work();
    const fresh = await createRun({ start: false });

    expect((await list()).items.map((r) => r.id)).toEqual([fresh.id, failed.id, completed.id]);
    expect((await list(`?agentId=${other.id}`)).items.map((r) => r.id)).toEqual([failed.id]);
    expect((await list('?status=failed')).items.map((r) => r.id)).toEqual([failed.id]);
    expect((await list('?status=completed,new')).items.map((r) => r.id)).toEqual([fresh.id, completed.id]);
    expect((await list('?trigger=manual')).items).toHaveLength(3);
    expect((await list('?trigger=schedule')).items).toEqual([]);

    const archived = await api.call<RunDetails>('PATCH', `/api/runs/${completed.id}`, { archived: true });
    expect([archived.status, archived.body.archived]).toEqual([200, true]);
    expect((await list()).items.map((r) => r.id)).toEqual([fresh.id, failed.id]);
    expect((await list('?archived=true')).items.map((r) => r.id)).toEqual([completed.id]);
    expect((await list('?archived=all')).items).toHaveLength(3);
    const summary = (await list('?archived=true')).items[0];
    expect(summary).toMatchObject({
      id: completed.id,
      name: 'Weekly account report — Acme',
      status: 'completed',
      stepCount: 3,
      siteIds: [],
      archived: true,
      lastCompletedAt: expect.stringMatching(isoTime),
      updatedAt: expect.stringMatching(isoTime),
    });
  });

  it('searches run names and the text of outputs', async () => {
    const named = await createRun({ name: 'Pelican digest', variables: { customer: 'Acme' } });
    const quokka = await createRun({ name: 'Plain name', variables: { customer: 'Quokka' } });
    expect((await list('?q=pelican')).items.map((r) => r.id)).toEqual([named.id]);
    expect((await list('?q=quokka')).items).toEqual([]);
    await work();
    expect((await list('?q=quokka')).items.map((r) => r.id)).toEqual([quokka.id]);
    expect((await list('?q=PELI')).items.map((r) => r.id)).toEqual([named.id]);
    expect((await list('?q=%22%27%3B--%20*')).items).toHaveLength(2);
  });

  it('sorts by name and pages with limit and cursor without losing or repeating a run', async () => {
    const ids = new Map<string, string>();
    for (const name of ['delta', 'alpha', 'echo', 'charlie', 'bravo']) {
      ids.set(name, (await createRun({ name, start: false })).id);
    }
    const byName = (await list('?sort=name_asc')).items.map((r) => r.name);
    expect(byName).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect((await list('?sort=name_desc')).items.map((r) => r.name)).toEqual([...byName].reverse());
    expect((await list('?sort=created_asc')).items.map((r) => r.name)).toEqual([
      'delta',
      'alpha',
      'echo',
      'charlie',
      'bravo',
    ]);

    for (const sort of ['name_asc', 'created_desc', 'updated_desc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: RunPage = await list(`?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids.values()].sort());
    }
  });

  it('renames a run and finds it by its new name', async () => {
    const run = await createRun();
    const renamed = await api.call<RunDetails>('PATCH', `/api/runs/${run.id}`, { name: 'Renamed heron' });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Renamed heron']);
    expect((await list('?q=heron')).items.map((r) => r.id)).toEqual([run.id]);
    const empty = await api.call<ErrorResponse>('PATCH', `/api/runs/${run.id}`, {});
    expect(empty.status).toBe(400);
  });

  it('deletes a finished run and refuses to delete one in flight', async () => {
    const run = await createRun();
    const refused = await api.call<ErrorResponse>('DELETE', `/api/runs/${run.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('enqueued');
    await work();
    const deleted = await api.call('DELETE', `/api/runs/${run.id}`);
    expect([deleted.status, deleted.raw.body]).toEqual([204, '']);
    expect((await api.call('GET', `/api/runs/${run.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/runs/${run.id}`)).status).toBe(404);
  });

  it('cancels an enqueued run, and a running one mid-step', async () => {
    const enqueued = await createRun();
    const canceled = await api.call<RunDetails>('POST', `/api/runs/${enqueued.id}/cancel`);
    expect([canceled.status, canceled.body.status, canceled.body.statusText]).toEqual([
      200,
      'canceled',
      'Canceled before it started',
    ]);

    const slow = await createRun({ modelSettings: { model: 'simulated/slow' } });
    const worker = work();
    const deadline = Date.now() + 5000;
    while ((await getRun(slow.id)).status !== 'running') {
      if (Date.now() > deadline) throw new Error('the run never started');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stopped = await api.call<RunDetails>('POST', `/api/runs/${slow.id}/cancel`);
    expect([stopped.status, stopped.body.status]).toEqual([200, 'canceled']);
    await worker;
    const run = await getRun(slow.id);
    expect(run.status).toBe('canceled');
    expect(run.steps.map((s) => s.status)).toEqual(['canceled', 'pending', 'pending']);

    const again = await api.call<ErrorResponse>('POST', `/api/runs/${slow.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('canceled'),
    });
  });

  it('refuses transitions the status does not allow with 409', async () => {
    const run = await createRun();
    for (const action of ['start', 'rerun']) {
      const res = await api.call<ErrorResponse>('POST', `/api/runs/${run.id}/${action}`);
      expect([action, res.status, res.body.error.code]).toEqual([action, 409, 'conflict']);
      expect(res.body.error.message).toContain('it is enqueued');
    }
    const fresh = await createRun({ start: false });
    expect((await api.call('POST', `/api/runs/${fresh.id}/cancel`)).status).toBe(409);
  });

  it('reruns from a step, reusing the steps before it, and lists both attempts', async () => {
    const run = await createRun();
    await work();
    const first = await getRun(run.id);
    const rerun = await api.call<RunDetails>('POST', `/api/runs/${run.id}/rerun`, { fromStep: 2 });
    expect(rerun.status).toBe(200);
    expect([rerun.body.status, rerun.body.attempt]).toEqual(['enqueued', 2]);
    await work();
    const second = await getRun(run.id);
    expect(second.status).toBe('completed');
    expect(second.steps.map((s) => s.reused)).toEqual([true, false, false]);
    expect(second.steps[0]?.output).toBe(first.steps[0]?.output);

    const attempts = await api.call<{ items: AttemptView[] }>('GET', `/api/runs/${run.id}/attempts`);
    expect(attempts.status).toBe(200);
    expect(attempts.body.items.map((a) => [a.number, a.status, a.fromStep, a.steps.length])).toEqual([
      [2, 'completed', 2, 3],
      [1, 'completed', 1, 3],
    ]);

    const whole = await api.call<RunDetails>('POST', `/api/runs/${run.id}/rerun`);
    expect([whole.status, whole.body.attempt]).toEqual([200, 3]);
    await work();
    const tooFar = await api.call<ErrorResponse>('POST', `/api/runs/${run.id}/rerun`, { fromStep: 9 });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.details[0]?.path).toBe('fromStep');
  });

  it('duplicates a run with a new name and adjusted variables', async () => {
    const run = await createRun({ variables: { customer: 'Acme', period: 'Q3' } });
    const copy = await api.call<RunDetails>('POST', `/api/runs/${run.id}/duplicate`, {
      name: 'Globex copy',
      variables: { customer: 'Globex' },
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      name: 'Globex copy',
      status: 'enqueued',
      agentId: agent.id,
      agentVersion: 1,
      trigger: { kind: 'manual', by: api.deps.admin.userId, duplicateOf: run.id },
      variables: [
        { name: 'customer', value: 'Globex', source: 'override' },
        { name: 'period', value: 'Q3', source: 'override' },
      ],
    });
    expect(copy.body.id).not.toBe(run.id);

    const plain = await api.call<RunDetails>('POST', `/api/runs/${run.id}/duplicate`);
    expect(plain.status).toBe(201);
    expect(plain.body.name).toBe(`${run.name} (copy)`);

    const bad = await api.call<ErrorResponse>('POST', `/api/runs/${run.id}/duplicate`, {
      variables: { customer: 5 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('variables.customer');
  });

  it('answers 404 for every action on a run that does not exist', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/start'],
      ['POST', '/cancel'],
      ['POST', '/rerun'],
      ['POST', '/duplicate'],
      ['GET', '/attempts'],
      ['GET', '/events'],
    ] as const) {
      const res = await api.call<ErrorResponse>(
        method,
        `/api/runs/run_nothing${path}`,
        method === 'PATCH' ? { name: 'x' } : undefined,
      );
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 404, 'not_found']);
    }
  });
});
