import { afterEach, describe, expect, it } from 'vitest';
import { type FakeProviderServer, startFakeProviderServer } from '../../test/support/fake-provider-server.ts';
import { createSystemClock } from '../platform/clock.ts';
import { ProviderError } from '../platform/errors.ts';
import { createAiSdkProvider } from './ai-sdk-provider.ts';
import { backoffDelayMs, type CallModelOptions, callModel } from './call-model.ts';
import type { ModelCall } from './model-provider.ts';

const rateLimited = (retryAfter: string) => ({
  kind: 'status' as const,
  status: 429,
  headers: { 'retry-after': retryAfter },
  body: {
    error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
  },
});
const serverError = {
  kind: 'status' as const,
  status: 500,
  body: {
    error: { message: 'The server had an error while processing your request.', type: 'server_error' },
  },
};

describe('callModel', () => {
  let server: FakeProviderServer;
  afterEach(async () => {
    await server.close();
  });

  async function setup() {
    server = await startFakeProviderServer('openai-chat');
    const provider = createAiSdkProvider({
      id: 'openai',
      api: 'openai-chat',
      baseUrl: server.baseUrl,
      apiKey: 'k',
    });
    const waits: number[] = [];
    const options: CallModelOptions = {
      clock: createSystemClock(),
      timeoutMs: 30_000,
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 },
      random: () => 0.5,
      // Records each wait instead of sleeping: the test checks the schedule, not the clock.
      sleep: async (ms) => {
        waits.push(ms);
      },
    };
    const call: ModelCall = {
      model: 'openai/gpt-4.1',
      prompt: 'Hello',
      outputFormat: 'text',
      signal: new AbortController().signal,
      stepNumber: 1,
    };
    return { provider, waits, options, call };
  }

  it('waits as long as Retry-After asks on a 429, then answers', async () => {
    const { provider, waits, options, call } = await setup();
    server.script(rateLimited('7'));
    const answer = await callModel(provider, call, options);
    expect(answer.text).toBe('Revenue grew 12% in the period.');
    expect(answer.attempts).toBe(2);
    expect(waits).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
  });

  it('backs off exponentially with jitter on 500s, then answers', async () => {
    const { provider, waits, options, call } = await setup();
    server.script(serverError, serverError);
    const answer = await callModel(provider, call, options);
    expect(answer.attempts).toBe(3);
    // random() = 0.5: half of 1 s, then half of 2 s.
    expect(waits).toEqual([500, 1000]);
  });

  it('gives up after the last try and says how many it made', async () => {
    const { provider, options, call } = await setup();
    server.script(serverError, serverError, serverError, serverError);
    const error = await callModel(provider, call, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/unavailable \(500\).*after 4 tries/);
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry what waiting cannot fix: a refused key', async () => {
    const { provider, waits, options, call } = await setup();
    server.script({
      kind: 'status',
      status: 401,
      body: { error: { message: 'Incorrect API key provided.' } },
    });
    const error = (await callModel(provider, call, options).catch((e: unknown) => e)) as ProviderError;
    expect(error.kind).toBe('auth');
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging answer and closes the connection', async () => {
    const { provider, options, call } = await setup();
    server.script({ kind: 'hang' });
    const error = (await callModel(provider, call, { ...options, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    )) as ProviderError;
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('timeout of 200 ms');
    await server.requests[0]?.closed;
    expect(server.requests[0]?.closedEarly).toBe(true);
  });

  it('aborts a hanging streamed answer when canceled, closing the connection', async () => {
    const { provider, options, call } = await setup();
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = callModel(
      provider,
      { ...call, signal: controller.signal, onDelta: () => undefined },
      options,
    );
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('run canceled'));
    const error = await pending.catch((e: unknown) => e);
    expect((error as Error).message).toBe('run canceled');
    await server.requests[0]?.closed;
    expect(server.requests[0]?.closedEarly).toBe(true);
  });
});

describe('backoffDelayMs', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };
  it('doubles the ceiling each try up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy, () => 0.999_999, undefined))).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
  });
  it('never waits less than Retry-After, even above the maximum', () => {
    expect(backoffDelayMs(1, policy, () => 0.5, 30_000)).toBe(30_000);
    expect(backoffDelayMs(4, policy, () => 0.9, 10)).toBe(7200);
  });
});
