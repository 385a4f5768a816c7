import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createApp } from '../src/api/create-app.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

/** A clean shutdown takes milliseconds; this leaves room for a slow machine and none for a hang. */
const CLOSE_BUDGET_MS = 3000;

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(() => 'done' as const),
    new Promise((resolve) => setTimeout(resolve, ms, 'hung')),
  ]);

describe.each(storeKinds)('API shutdown on %s', (kind) => {
  let deps: TestDeps;
  let app: FastifyInstance;
  let baseUrl: string;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
    app = await createApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    baseUrl = `http://127.0.0.1:${address.port}`;
  });
  afterEach(async () => {
    app.server.closeAllConnections();
    await app.close();
    await deps.close();
  });

  const request = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${deps.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, connection: res.headers.get('connection'), body: (await res.json()) as T };
  };

  it('answers a request in flight and closes at once, not when the client hangs up', async () => {
    const agent = (await request<AgentView>('POST', '/api/agents', reportAgent)).body;
    const run = (
      await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, { variables: { customer: 'Acme' } })
    ).body;

    // Hold the run's row so the cancel below is still in flight when the server starts closing.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = deps.store.transaction(async (trx) => {
      let query = trx.selectFrom('runs').select('id').where('id', '=', run.id);
      if (kind === 'postgres') query = query.forUpdate();
      await query.execute();
      locked();
      await gate;
    });
    await isLocked;
    const cancel = request<RunDetails>('POST', `/api/runs/${run.id}/cancel`);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const closed = app.close();
    // Fastify stops listening after its preClose hooks: from then on the server is closing.
    const deadline = Date.now() + CLOSE_BUDGET_MS;
    while (app.server.listening && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(app.server.listening).toBe(false);
    release();
    await holding;
    const answer = await cancel;
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('canceled');
    expect(answer.connection).toBe('close');
    expect(await within(closed, CLOSE_BUDGET_MS)).toBe('done');
  });
});
