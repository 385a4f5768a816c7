import { createParser } from 'eventsource-parser';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createApp } from '../src/api/create-app.ts';
import { createWorker } from '../src/engine/worker.ts';
import { envProviders } from '../src/models/env-providers.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { cancelRun } from '../src/runs/run-actions.ts';
import {
  type FakeProviderServer,
  startFakeProviderServer,
  type WireFormat,
} from './support/fake-provider-server.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('model calls in runs on %s', (kind) => {
  let deps: TestDeps;
  let server: FakeProviderServer;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    if (app) {
      app.server.closeAllConnections();
      await app.close();
      app = undefined;
    }
    await deps.close();
    await server.close();
  });

  async function setup(format: WireFormat = 'openai-chat', stepSettings: Record<string, unknown> = {}) {
    server = await startFakeProviderServer(format);
    const models = {
      ...loadConfig({}).models,
      openaiApiKey: 'sk-o',
      openaiBaseUrl: server.baseUrl,
      openaiApi: format === 'openai-responses' ? ('responses' as const) : ('chat' as const),
      anthropicApiKey: 'sk-a',
      anthropicBaseUrl: server.baseUrl,
      // Short waits between tries: these tests check the outcome, not the schedule.
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
    };
    deps = await createTestDeps(kind, { providers: () => envProviders(models), models });
    const model = format === 'anthropic' ? 'anthropic/claude-sonnet-4-5' : 'openai/gpt-4.1';
    const agent = await createAgent(deps, deps.admin, {
      name: 'One call',
      modelSettings: { model, ...stepSettings },
      steps: [{ name: 'Answer', prompt: 'Say something about Acme.' }],
    });
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    return { run };
  }

  it('retries a 429 that names a Retry-After, and a 500, then completes', async () => {
    const { run } = await setup();
    server.script(
      {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { message: 'Rate limit reached' } },
      },
      { kind: 'status', status: 500, body: { error: { message: 'The server had an error' } } },
    );
    await createWorker(deps).runOnce();
    const done = await getRunOrThrow(deps, deps.admin, run.id);
    expect(done.status).toBe('completed');
    expect(done.steps[0]?.modelCalls).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  it('fails a step whose answer hangs past its timeout, and the connection is closed', async () => {
    const { run } = await setup('openai-chat', { timeoutMs: 300 });
    server.script({ kind: 'hang' });
    await createWorker(deps).runOnce();
    const done = await getRunOrThrow(deps, deps.admin, run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain("took longer than the step's timeout of 300 ms");
    await server.requests[0]?.closed;
    expect(server.requests[0]?.closedEarly).toBe(true);
  });

  it('aborts the HTTP request in flight when the run is canceled', async () => {
    const { run } = await setup('anthropic');
    server.script({ kind: 'hang' });
    const working = createWorker(deps).runOnce();
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await cancelRun(deps, deps.admin, run.id);
    await working;
    await server.requests[0]?.closed;
    expect(server.requests[0]?.closedEarly).toBe(true);
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('canceled');
    expect(after.steps[0]?.status).toBe('canceled');
  });

  it('fails with an error that says what happened', async () => {
    const { run } = await setup('openai-responses');
    server.script({
      kind: 'status',
      status: 401,
      body: {
        error: {
          message: 'Incorrect API key provided: sk-o.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    await createWorker(deps).runOnce();
    const done = await getRunOrThrow(deps, deps.admin, run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe(
      'step 1 (Answer): openai refused the API key (401): Incorrect API key provided: sk-o. Check the key configured for "openai".',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('streams output deltas into the run event stream and the whole answer into the step result', async () => {
    const { run } = await setup('openai-responses');
    server.script({ kind: 'answer', chunks: ['Acme ', 'is ', 'growing.'] });
    app = await createApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('stream timed out')), 10_000);
    const res = await fetch(`http://127.0.0.1:${address.port}/api/runs/${run.id}/events?untilDone=1`, {
      headers: { authorization: `Bearer ${deps.token}` },
      signal: controller.signal,
    });
    const events: Array<{ event: string; data: { data: Record<string, unknown> } }> = [];
    const parser = createParser({
      onEvent: (m) => events.push({ event: m.event ?? 'message', data: JSON.parse(m.data) }),
    });
    const reading = (async () => {
      const decoder = new TextDecoder();
      if (!res.body) throw new Error('no body');
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
    })();
    // The stream is subscribed once its headers arrived; the worker starts after.
    await createWorker(deps).runOnce();
    await reading;
    clearTimeout(timer);
    const deltas = events.filter((e) => e.event === 'step.delta').map((e) => e.data.data);
    expect(deltas).toEqual([
      { number: 1, text: 'Acme ' },
      { number: 1, text: 'is ' },
      { number: 1, text: 'growing.' },
    ]);
    const finished = events.find((e) => e.event === 'step.finished');
    expect(finished?.data.data.output).toBe('Acme is growing.');
    expect(events.findIndex((e) => e.event === 'step.delta')).toBeLessThan(
      events.findIndex((e) => e.event === 'step.finished'),
    );
    expect((await getRunOrThrow(deps, deps.admin, run.id)).steps[0]?.output).toBe('Acme is growing.');
  });
});
