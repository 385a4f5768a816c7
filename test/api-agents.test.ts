import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentVersionView, AgentView } from '../src/agents/agent-service.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

describe.each(storeKinds)('agents API on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  const createReportAgent = async (patch: Record<string, unknown> = {}) => {
    const res = await api.call<AgentView>('POST', '/api/agents', { ...reportAgent, ...patch });
    expect(res.status).toBe(201);
    return res.body;
  };

  /** Posts an agent that must be refused and returns the error body. */
  const refused = async (agent: unknown) => {
    const res = await api.call<ErrorResponse>('POST', '/api/agents', agent);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    return res.body.error;
  };

  const withSteps = (steps: unknown[]) => ({ ...reportAgent, steps });

  it('creates an agent as version 1 with step keys slugged from the names', async () => {
    const agent = await createReportAgent();
    expect(agent.id).toMatch(/^agt_/);
    expect(agent.version).toBe(1);
    expect(agent.archived).toBe(false);
    expect(agent.steps.map((s) => s.key)).toEqual(['gather', 'summarize', 'report']);
    expect(agent.variables).toEqual([
      { name: 'customer', type: 'string', required: true },
      { name: 'period', type: 'string', required: false, default: 'last 7 days' },
    ]);

    const one = await api.call<AgentView>('GET', `/api/agents/${agent.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(agent);

    const list = await api.call<{ items: Array<{ id: string; version: number }>; nextCursor: string | null }>(
      'GET',
      '/api/agents',
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((a) => [a.id, a.version])).toEqual([[agent.id, 1]]);
    expect(list.body.nextCursor).toBeNull();
  });

  it('pages the agent list with limit and cursor', async () => {
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C']) ids.push((await createReportAgent({ name })).id);
    const first = await api.call<{ items: Array<{ id: string }>; nextCursor: string | null }>(
      'GET',
      '/api/agents?limit=2',
    );
    expect(first.body.items.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await api.call<{ items: Array<{ id: string }>; nextCursor: string | null }>(
      'GET',
      `/api/agents?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((a) => a.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('searches agent names ignoring case, with % and _ taken literally', async () => {
    const plain = await createReportAgent({ name: 'Weekly Account Report' });
    const underscored = await createReportAgent({ name: 'report_v2 (100%)' });
    await createReportAgent({ name: 'reportXv2 (1000)' });
    const search = async (q: string) =>
      (
        await api.call<{ items: Array<{ id: string }> }>('GET', `/api/agents?q=${encodeURIComponent(q)}`)
      ).body.items.map((a) => a.id);
    expect(await search('weekly account')).toEqual([plain.id]);
    expect(await search('WEEKLY')).toEqual([plain.id]);
    expect(await search('report_v2')).toEqual([underscored.id]);
    expect(await search('100%')).toEqual([underscored.id]);
    expect(await search('%')).toEqual([underscored.id]);
  });

  it('makes a new version on each edit and lists every version, newest first', async () => {
    const agent = await createReportAgent();
    const renamed = await api.call<AgentView>('PATCH', `/api/agents/${agent.id}`, { name: 'Account report' });
    expect(renamed.status).toBe(200);
    expect([renamed.body.version, renamed.body.name]).toEqual([2, 'Account report']);
    const edited = await api.call<AgentView>('PATCH', `/api/agents/${agent.id}`, {
      steps: [...reportAgent.steps, { name: 'Polish', prompt: 'Polish {{ steps.report.output }}' }],
    });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(3);
    expect(edited.body.name).toBe('Account report');
    expect(edited.body.steps).toHaveLength(4);

    const versions = await api.call<{ items: AgentVersionView[] }>('GET', `/api/agents/${agent.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((v) => [v.version, v.definition.name, v.definition.steps.length])).toEqual(
      [
        [3, 'Account report', 4],
        [2, 'Account report', 3],
        [1, 'Weekly account report', 3],
      ],
    );
    expect(versions.body.items[0]?.createdBy).toBe(api.deps.admin.userId);
  });

  it('keeps runs on the version they pinned when the agent changes', async () => {
    const agent = await createReportAgent();
    const before = await api.call<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
      start: false,
    });
    await api.call('PATCH', `/api/agents/${agent.id}`, {
      steps: [{ name: 'Only', prompt: 'One step for {{ vars.customer }}' }],
    });
    const after = await api.call<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
      start: false,
    });
    const pinned = await api.call<RunDetails>('GET', `/api/runs/${before.body.id}`);
    expect([pinned.body.agentVersion, pinned.body.stepCount, pinned.body.steps.length]).toEqual([1, 3, 3]);
    expect([after.body.agentVersion, after.body.stepCount, after.body.steps.length]).toEqual([2, 1, 1]);
    const older = await api.call<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
      agentVersion: 1,
      start: false,
    });
    expect([older.body.agentVersion, older.body.stepCount]).toEqual([1, 3]);
  });

  it('archives without a new version, and an archived agent starts no run', async () => {
    const agent = await createReportAgent();
    const deleted = await api.call<AgentView>('DELETE', `/api/agents/${agent.id}`);
    expect(deleted.status).toBe(200);
    expect([deleted.body.archived, deleted.body.version]).toEqual([true, 1]);
    const run = await api.call<ErrorResponse>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    expect(run.status).toBe(409);
    expect(run.body.error.message).toContain('archived');
    const archivedList = await api.call<{ items: Array<{ id: string }> }>('GET', '/api/agents?archived=true');
    expect(archivedList.body.items.map((a) => a.id)).toEqual([agent.id]);
    const restored = await api.call<AgentView>('PATCH', `/api/agents/${agent.id}`, { archived: false });
    expect([restored.body.archived, restored.body.version]).toEqual([false, 1]);
  });

  it('refuses a Liquid syntax error with the step path, line and column', async () => {
    const error = await refused(
      withSteps([
        { name: 'Gather', prompt: 'Facts about {{ vars.customer }}' },
        { name: 'Summarize', prompt: 'Summarize:\n{{ steps.gather.output ' },
      ]),
    );
    expect(error.details).toHaveLength(1);
    expect(error.details[0]?.path).toBe('steps[1].prompt');
    expect(error.details[0]?.message).toMatch(/syntax error at line 2, column \d+/);
    expect(error.message).toMatch(/^steps\[1\]\.prompt: /);
  });

  it('refuses an unknown variable with where it is used', async () => {
    const error = await refused(withSteps([{ name: 'Gather', prompt: 'Facts about\n  {{ vars.client }}' }]));
    expect(error.details).toEqual([
      { path: 'steps[0].prompt', message: 'unknown variable "client" at line 2, column 6' },
    ]);
  });

  it('refuses a reference to a later step and to a step that does not exist', async () => {
    const error = await refused(
      withSteps([
        { name: 'Gather', prompt: 'Facts, then {{ steps.summarize.output }}' },
        { name: 'Summarize', prompt: 'Summarize {{ steps.gather.output }} and {{ steps.nothing.output }}' },
      ]),
    );
    expect(error.details).toEqual([
      {
        path: 'steps[0].prompt',
        message: expect.stringMatching(/step "summarize" .*line 1, column \d+.*at or after this step/),
      },
      {
        path: 'steps[1].prompt',
        message: expect.stringMatching(/step "nothing" .*line 1, column \d+.*no step has that key/),
      },
    ]);
  });

  it('refuses a step that quotes itself', async () => {
    const error = await refused(withSteps([{ name: 'Gather', prompt: 'Again: {{ steps.gather.output }}' }]));
    expect(error.details[0]).toMatchObject({ path: 'steps[0].prompt' });
    expect(error.details[0]?.message).toContain('at or after this step');
  });

  it('refuses duplicate step keys, whether given or slugged from names', async () => {
    const error = await refused(
      withSteps([
        { name: 'Gather', prompt: 'a' },
        { name: 'gather!', prompt: 'b' },
        { name: 'Other', key: 'gather', prompt: 'c' },
      ]),
    );
    expect(error.details.map((d) => d.path)).toEqual(['steps[1].key', 'steps[2].key']);
    expect(error.details[0]?.message).toContain('duplicate step key "gather"');
  });

  it('refuses duplicate variable names and defaults of the wrong type', async () => {
    const error = await refused({
      ...reportAgent,
      variables: [
        { name: 'customer', type: 'string' },
        { name: 'customer', type: 'string' },
        { name: 'period', type: 'number', default: 'many' },
      ],
    });
    expect(error.details.map((d) => d.path)).toEqual(['variables[1].name', 'variables[2].default']);
  });

  it('refuses malformed and unknown model ids, on the agent and on a step', async () => {
    const malformed = await refused({ ...reportAgent, modelSettings: { model: 'gpt-5' } });
    expect(malformed.details[0]?.path).toBe('modelSettings.model');
    expect(malformed.details[0]?.message).toContain('provider/model');

    const unknown = await refused({ ...reportAgent, modelSettings: { model: 'nosuch/model-1' } });
    expect(unknown.details).toEqual([
      { path: 'modelSettings.model', message: expect.stringContaining('unknown provider "nosuch"') },
    ]);

    const onStep = await refused(
      withSteps([{ name: 'Gather', prompt: 'x', modelSettings: { model: 'nosuch/m' } }]),
    );
    expect(onStep.details[0]?.path).toBe('steps[0].modelSettings.model');
  });

  it('refuses an agent without steps or a name, naming each field', async () => {
    const error = await refused({ name: '  ', steps: [] });
    expect(error.details.map((d) => d.path).sort()).toEqual(['name', 'steps']);
  });

  it('refuses an invalid edit and keeps the version it had', async () => {
    const agent = await createReportAgent();
    const res = await api.call<ErrorResponse>('PATCH', `/api/agents/${agent.id}`, {
      steps: [{ name: 'Gather', prompt: '{{ vars.nope }}' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]?.path).toBe('steps[0].prompt');
    const versions = await api.call<{ items: AgentVersionView[] }>('GET', `/api/agents/${agent.id}/versions`);
    expect(versions.body.items).toHaveLength(1);
  });

  it('refuses an edit with an unknown field, no field or a non-boolean archived, and adds no version', async () => {
    const agent = await createReportAgent();
    for (const [patch, path] of [
      [{ nmae: 'Typo' }, 'nmae'],
      [{}, 'body'],
      [{ archived: 'yes' }, 'archived'],
    ] as const) {
      const res = await api.call<ErrorResponse>('PATCH', `/api/agents/${agent.id}`, patch);
      expect([JSON.stringify(patch), res.status, res.body.error.details[0]?.path]).toEqual([
        JSON.stringify(patch),
        400,
        path,
      ]);
    }
    const versions = await api.call<{ items: AgentVersionView[] }>('GET', `/api/agents/${agent.id}/versions`);
    expect(versions.body.items).toHaveLength(1);
    expect((await api.call<AgentView>('GET', `/api/agents/${agent.id}`)).body.archived).toBe(false);
  });

  it('answers 404 for agents that do not exist', async () => {
    for (const [method, url] of [
      ['GET', '/api/agents/agt_nothing'],
      ['PATCH', '/api/agents/agt_nothing'],
      ['DELETE', '/api/agents/agt_nothing'],
      ['GET', '/api/agents/agt_nothing/versions'],
      ['POST', '/api/agents/agt_nothing/runs'],
    ] as const) {
      const res = await api.call<ErrorResponse>(
        method,
        url,
        method === 'PATCH' || method === 'POST' ? { name: 'x' } : undefined,
      );
      expect([method, url, res.status, res.body.error.code]).toEqual([method, url, 404, 'not_found']);
    }
  });
});
