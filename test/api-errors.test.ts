import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

const BODY_LIMIT_BYTES = 16 * 1024;

describe.each(storeKinds)('API errors on %s', (kind) => {
  let api: ApiHarness;
  let agent: AgentView;
  let runsUrl: string;
  beforeEach(async () => {
    api = await createApiHarness(kind, { bodyLimitBytes: BODY_LIMIT_BYTES });
    agent = (await api.call<AgentView>('POST', '/api/agents', reportAgent)).body;
    runsUrl = `/api/agents/${agent.id}/runs`;
  });
  afterEach(async () => {
    await api.close();
  });

  /** Sends a request that must fail with `status`; returns the error after checking its shape. */
  const failing = async (
    status: number,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    options: { token?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const res = await api.call<ErrorResponse>(method, url, body, options);
    expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).toBe(status);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.body.error).toEqual({
      code: expect.any(String),
      message: expect.any(String),
      details: expect.any(Array),
    });
    for (const detail of res.body.error.details) {
      expect(detail).toEqual({ path: expect.any(String), message: expect.any(String) });
    }
    return res.body.error;
  };

  it('answers malformed JSON with 400 validation_failed on the body', async () => {
    const error = await failing(400, 'POST', runsUrl, '{"variables": {"customer": "Acme"');
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ path: 'body', message: 'must be valid JSON' }]);
    expect((await failing(400, 'POST', '/api/agents', '{ nope }')).code).toBe('validation_failed');
    expect((await failing(400, 'POST', '/api/runs/bulk', '')).code).toBe('validation_failed');
  });

  it('answers a body that is not an object with 400 on the body', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const error = await failing(400, 'POST', '/api/agents', body);
      expect(error.details[0]?.path).toBe('body');
    }
  });

  it('answers a body in another content type with 400, not 415 or 500', async () => {
    const error = await failing(400, 'POST', runsUrl, 'customer=Acme', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(error.code).toBe('validation_failed');
  });

  it('names the field of a value of the wrong type', async () => {
    const customer = await failing(400, 'POST', runsUrl, { variables: { customer: 5 } });
    expect(customer.details).toEqual([{ path: 'variables.customer', message: 'must be a string (text)' }]);
    expect(customer.message).toBe('variables.customer: must be a string (text)');

    const start = await failing(400, 'POST', runsUrl, { variables: { customer: 'Acme' }, start: 'yes' });
    expect(start.details.map((d) => d.path)).toEqual(['start']);
    expect(start.message).toMatch(/^start: /);

    const variables = await failing(400, 'POST', runsUrl, { variables: ['Acme'] });
    expect(variables.details[0]?.path).toBe('variables');

    const effort = await failing(400, 'POST', runsUrl, {
      variables: { customer: 'Acme' },
      modelSettings: { reasoningEffort: 'extreme' },
    });
    expect(effort.details[0]?.path).toBe('modelSettings.reasoningEffort');

    const override = await failing(400, 'POST', runsUrl, {
      variables: { customer: 'Acme' },
      stepOverrides: [{ step: 7, reasoningEffort: 'low' }],
    });
    expect(override.details[0]?.path).toBe('stepOverrides[0].step');

    const rename = await failing(400, 'PATCH', `/api/agents/${agent.id}`, { name: 42 });
    expect(rename.details[0]?.path).toBe('name');
  });

  it('names an unknown variable and a missing required one', async () => {
    const unknown = await failing(400, 'POST', runsUrl, { variables: { customer: 'Acme', region: 'EU' } });
    expect(unknown.details).toEqual([
      { path: 'variables.region', message: 'unknown variable; this agent has: customer, period' },
    ]);
    const missing = await failing(400, 'POST', runsUrl, { variables: {} });
    expect(missing.details).toEqual([{ path: 'variables.customer', message: 'is required (string)' }]);
    const blank = await failing(400, 'POST', runsUrl, { variables: { customer: '   ' } });
    expect(blank.details[0]?.path).toBe('variables.customer');
    const noBody = await failing(400, 'POST', runsUrl);
    expect(noBody.details[0]?.path).toBe('variables.customer');
  });

  it('creates no run when the request is refused', async () => {
    await failing(400, 'POST', runsUrl, { variables: { customer: 5 } });
    const list = await api.call<{ items: RunDetails[] }>('GET', '/api/runs?archived=all');
    expect(list.body.items).toEqual([]);
  });

  it('refuses text with a NUL character, which PostgreSQL cannot store, naming the field', async () => {
    const variable = await failing(400, 'POST', runsUrl, { variables: { customer: 'Ac\u0000me' } });
    expect(variable.details).toEqual([
      { path: 'variables.customer', message: 'must not contain the NUL character (\\u0000)' },
    ]);
    const step = await failing(400, 'PATCH', `/api/agents/${agent.id}`, {
      steps: [{ name: 'Gather', prompt: 'a\u0000b' }],
    });
    expect(step.details[0]?.path).toBe('steps[0].prompt');
    expect((await failing(400, 'GET', '/api/runs?q=%00')).details[0]?.path).toBe('q');
    expect((await failing(400, 'GET', '/api/runs/run_%00')).details[0]?.path).toBe('id');
    expect((await failing(400, 'GET', '/api/runs/run_%00/events')).details[0]?.path).toBe('id');
    await failing(
      400,
      'POST',
      '/api/auth/login',
      { email: 'admin@example.com\u0000', password: 'x' },
      {
        token: null,
      },
    );
  });

  it('refuses values nested deeper than any body needs, before they overflow the stack', async () => {
    const withJson = await api.call<AgentView>('POST', '/api/agents', {
      name: 'JSON input',
      variables: [{ name: 'data', type: 'json' }],
      steps: [{ name: 'Echo', prompt: 'Echo {{ vars.data }}' }],
    });
    // 5,000 levels already overflow JSON.stringify's stack; this one fits the 16 KiB body limit.
    const deep = `${'['.repeat(7000)}${']'.repeat(7000)}`;
    const error = await failing(
      400,
      'POST',
      `/api/agents/${withJson.body.id}/runs`,
      `{"variables":{"data":${deep}}}`,
    );
    expect(error.details[0]?.message).toBe('is nested deeper than 64 levels');
    expect(error.details[0]?.path).toMatch(/^variables\.data(\[0\])+$/);
    const shallow = await api.call<RunDetails>('POST', `/api/agents/${withJson.body.id}/runs`, {
      variables: { data: { a: [1, { b: [2] }] } },
      start: false,
    });
    expect(shallow.status).toBe(201);
    expect(shallow.body.variables).toEqual([
      { name: 'data', value: { a: [1, { b: [2] }] }, source: 'override' },
    ]);
  });

  it('answers a body over the limit with 413', async () => {
    const error = await failing(413, 'POST', runsUrl, {
      variables: { customer: 'x'.repeat(BODY_LIMIT_BYTES) },
    });
    expect(error.code).toBe('payload_too_large');
    await failing(413, 'POST', '/api/agents', { ...reportAgent, description: 'y'.repeat(BODY_LIMIT_BYTES) });
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const error = await failing(404, 'GET', '/api/nothing-here?x=1');
    expect(error).toEqual({
      code: 'not_found',
      message: 'route GET /api/nothing-here not found',
      details: [],
    });
    await failing(404, 'POST', '/api/runs/run_x/explode', {});
    await failing(404, 'GET', '/nothing', undefined, { token: null });
  });

  it('answers 401 without a token, with an unknown one and with a malformed header', async () => {
    for (const [method, url] of [
      ['GET', '/api/runs'],
      ['GET', '/api/agents'],
      ['POST', runsUrl],
      ['GET', '/api/me'],
      ['GET', '/api/runs/run_x/events'],
    ] as const) {
      const error = await failing(401, method, url, undefined, { token: null });
      expect(error.code).toBe('unauthorized');
    }
    await failing(401, 'GET', '/api/runs', undefined, { token: 'ar_not-a-real-token' });
    await failing(401, 'GET', '/api/runs', undefined, { token: 'something-else' });
    await failing(401, 'GET', '/api/runs', undefined, {
      token: null,
      headers: { authorization: 'Basic abc' },
    });
    await failing(401, 'GET', '/api/runs', undefined, { token: null, headers: { authorization: 'Bearer' } });
    await failing(401, 'GET', '/api/runs', undefined, {
      token: null,
      headers: { cookie: 'agentruns_session=expired-or-made-up' },
    });
  });

  it('checks who may act before it reads the body', async () => {
    const viewer = await api.deps.addUser('viewer');
    const run = await failing(
      403,
      'POST',
      runsUrl,
      { variables: { customer: 'Acme' } },
      { token: viewer.token },
    );
    expect(run).toEqual({ code: 'forbidden', message: 'your role (viewer) may not runs start', details: [] });
    await failing(403, 'POST', '/api/agents', reportAgent, { token: viewer.token });
    await failing(403, 'PATCH', `/api/agents/${agent.id}`, { name: 'x' }, { token: viewer.token });
    await failing(403, 'DELETE', `/api/agents/${agent.id}`, undefined, { token: viewer.token });
    // A bad body from someone who may not act at all is still a 403, not a 400.
    await failing(403, 'POST', '/api/agents', { nonsense: true }, { token: viewer.token });

    const runner = await api.deps.addUser('runner');
    await failing(403, 'POST', '/api/agents', reportAgent, { token: runner.token });
    const created = await api.call<RunDetails>(
      'POST',
      runsUrl,
      { variables: { customer: 'Acme' }, start: false },
      { token: runner.token },
    );
    expect(created.status).toBe(201);
    await failing(403, 'DELETE', `/api/runs/${created.body.id}`, undefined, { token: runner.token });
    await failing(403, 'PATCH', `/api/runs/${created.body.id}`, { archived: true }, { token: viewer.token });
    expect(
      (await api.call('GET', `/api/runs/${created.body.id}`, undefined, { token: viewer.token })).status,
    ).toBe(200);
  });

  it('answers 404 for ids of nothing, even ids of an odd shape', async () => {
    await failing(404, 'GET', '/api/runs/run_01NOTHING');
    await failing(404, 'GET', `/api/runs/${encodeURIComponent("'; DROP TABLE runs; --")}`);
    await failing(404, 'GET', `/api/agents/${encodeURIComponent('%00')}`);
    await failing(404, 'POST', '/api/agents/agt_nothing/runs', { variables: {} });
    await failing(404, 'POST', '/api/runs/run_nothing/duplicate', { variables: { customer: 'x' } });
  });

  it('names bad query parameters of the run list', async () => {
    for (const [query, path] of [
      ['status=sleeping', 'status'],
      ['sort=random', 'sort'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['archived=maybe', 'archived'],
      ['trigger=cron', 'trigger'],
      ['cursor=not-a-cursor', 'cursor'],
    ]) {
      const error = await failing(400, 'GET', `/api/runs?${query}`);
      expect([query, error.details[0]?.path]).toEqual([query, path]);
    }
  });
});
