import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeProviderServer,
  startFakeProviderServer,
  type WireFormat,
} from '../../test/support/fake-provider-server.ts';
import { ProviderError } from '../platform/errors.ts';
import { createAiSdkProvider, type ProviderApi } from './ai-sdk-provider.ts';
import type { ModelCall, ModelProvider } from './model-provider.ts';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.ts';

interface Case {
  format: WireFormat;
  api: ProviderApi;
  id: string;
  model: string;
  path: string;
  /** How the provider is built: the AI SDK (default), or Chat Completions over undici (named providers). */
  client?: 'direct';
}

const cases: Case[] = [
  {
    format: 'openai-chat',
    api: 'openai-chat',
    id: 'openai',
    model: 'openai/gpt-4.1',
    path: '/v1/chat/completions',
  },
  {
    format: 'openai-responses',
    api: 'openai-responses',
    id: 'openai',
    model: 'openai/gpt-4.1',
    path: '/v1/responses',
  },
  {
    format: 'anthropic',
    api: 'anthropic',
    id: 'anthropic',
    model: 'anthropic/claude-sonnet-4-5',
    path: '/v1/messages',
  },
  {
    format: 'openai-chat',
    api: 'openai-compatible',
    id: 'ollama',
    model: 'ollama/llama3.2',
    path: '/v1/chat/completions',
  },
  {
    format: 'openai-chat',
    api: 'openai-compatible',
    id: 'vllm',
    model: 'vllm/qwen3-8b',
    path: '/v1/chat/completions',
    client: 'direct',
  },
];

const providerFor = (c: Case, baseUrl: string, apiKey: string): ModelProvider =>
  c.client === 'direct'
    ? createOpenAICompatibleProvider({ id: c.id, baseUrl, apiKey })
    : createAiSdkProvider({ id: c.id, api: c.api, baseUrl, apiKey });

const call = (model: string, extra: Partial<ModelCall> = {}): ModelCall => ({
  model,
  prompt: 'Summarize the quarter for Acme.',
  system: 'You are terse.',
  outputFormat: 'text',
  signal: new AbortController().signal,
  stepNumber: 1,
  ...extra,
});

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe.each(cases)('provider over $api ($format wire format) $client', (c) => {
  const { format, id, model, path } = c;
  let server: FakeProviderServer;
  afterEach(async () => {
    await server.close();
  });
  const provider = async () => {
    server = await startFakeProviderServer(format);
    return providerFor(c, server.baseUrl, 'sk-test-1234');
  };

  it('answers a plain call with its text and usage, and sends the prompt, key and settings', async () => {
    const p = await provider();
    server.script({
      kind: 'answer',
      text: 'Acme grew.',
      inputTokens: 30,
      outputTokens: 5,
      cachedTokens: 8,
    });
    const answer = await p.generate(call(model, { temperature: 0.3, maxOutputTokens: 300 }));
    expect(answer.text).toBe('Acme grew.');
    expect(answer.usage).toEqual({ inputTokens: 30, outputTokens: 5, cachedInputTokens: 8 });
    const request = server.requests[0];
    expect(request?.path).toBe(path);
    expect(JSON.stringify(request?.body)).toContain('Summarize the quarter for Acme.');
    expect(request?.body.model).toBe(model.slice(model.indexOf('/') + 1));
    expect(request?.body.temperature).toBe(0.3);
    const maxTokens =
      request?.body.max_output_tokens ?? request?.body.max_tokens ?? request?.body.max_completion_tokens;
    expect(maxTokens).toBe(300);
    if (format === 'anthropic') expect(request?.headers['x-api-key']).toBe('sk-test-1234');
    else expect(request?.headers.authorization).toBe('Bearer sk-test-1234');
  });

  it('streams the answer as deltas that add up to the text, with the final usage', async () => {
    const p = await provider();
    server.script({ kind: 'answer', chunks: ['Acme ', 'grew ', '12%.'], inputTokens: 40, outputTokens: 6 });
    const deltas: string[] = [];
    const answer = await p.generate(call(model, { onDelta: (d) => deltas.push(d) }));
    expect(deltas).toEqual(['Acme ', 'grew ', '12%.']);
    expect(answer.text).toBe('Acme grew 12%.');
    expect(answer.usage.inputTokens).toBe(40);
    expect(answer.usage.outputTokens).toBe(6);
    expect(server.requests[0]?.body.stream).toBe(true);
  });

  it('reports rate limits with the Retry-After, and server errors, as retryable', async () => {
    const p = await provider();
    server.script(
      {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '7' },
        body: {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
        },
      },
      {
        kind: 'status',
        status: 500,
        body: { error: { message: 'The server had an error', type: 'server_error' } },
      },
    );
    const limited = await failureOf(p.generate(call(model)));
    expect(limited).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
      status: 429,
      retryAfterMs: 7000,
    });
    expect(limited.message).toContain('Rate limit reached');
    const down = await failureOf(p.generate(call(model)));
    expect(down).toMatchObject({ kind: 'unavailable', retryable: true, status: 500 });
  });

  it('says what went wrong: a refused key, an unknown model, a prompt over the context window', async () => {
    const p = await provider();
    server.script(
      {
        kind: 'status',
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided: sk-test-1234.',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
      },
      {
        kind: 'status',
        status: 404,
        body: {
          error: {
            message: 'The model `nope` does not exist or you do not have access to it.',
            code: 'model_not_found',
          },
        },
      },
      {
        kind: 'status',
        status: 400,
        body: {
          error: {
            message:
              "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
            code: 'context_length_exceeded',
          },
        },
      },
    );
    const auth = await failureOf(p.generate(call(model)));
    expect(auth).toMatchObject({ kind: 'auth', retryable: false });
    expect(auth.message).toContain('refused the API key');
    expect(auth.message).toContain(id);
    expect((await failureOf(p.generate(call(model)))).kind).toBe('unknown_model');
    const tooLong = await failureOf(p.generate(call(model)));
    expect(tooLong.kind).toBe('context_length');
    expect(tooLong.message).toContain('too long');
  });

  it('turns a malformed answer into a readable error', async () => {
    const p = await provider();
    server.script({ kind: 'malformed' });
    const error = await failureOf(p.generate(call(model)));
    expect(error.kind).toBe('bad_response');
    expect(error.message).toContain(id);
  });

  it('reports a provider it cannot reach as unavailable', async () => {
    server = await startFakeProviderServer(format);
    const baseUrl = server.baseUrl;
    await server.close();
    const p = providerFor(c, baseUrl, 'k');
    const error = await failureOf(p.generate(call(model)));
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    server = await startFakeProviderServer(format);
  });
});

describe('AI SDK provider reasoning', () => {
  let server: FakeProviderServer;
  afterEach(async () => {
    await server.close();
  });

  it('sends OpenAI reasoning effort on the Responses API and reads reasoning tokens', async () => {
    server = await startFakeProviderServer('openai-responses');
    const p = createAiSdkProvider({
      id: 'openai',
      api: 'openai-responses',
      baseUrl: server.baseUrl,
      apiKey: 'k',
    });
    server.script({ kind: 'answer', outputTokens: 20, reasoningTokens: 128 });
    const answer = await p.generate(call('openai/gpt-5-mini', { reasoningEffort: 'high' }));
    expect(server.requests[0]?.body.reasoning).toMatchObject({ effort: 'high' });
    expect(answer.usage).toMatchObject({ outputTokens: 20, reasoningTokens: 128 });
  });

  it('sends OpenAI reasoning effort on Chat Completions as reasoning_effort', async () => {
    server = await startFakeProviderServer('openai-chat');
    const p = createAiSdkProvider({ id: 'openai', api: 'openai-chat', baseUrl: server.baseUrl, apiKey: 'k' });
    server.script({ kind: 'answer', outputTokens: 20, reasoningTokens: 64 });
    const answer = await p.generate(call('openai/o4-mini', { reasoningEffort: 'low' }));
    expect(server.requests[0]?.body.reasoning_effort).toBe('low');
    expect(answer.usage).toMatchObject({ outputTokens: 20, reasoningTokens: 64 });
  });

  it('maps reasoning effort to an Anthropic thinking budget', async () => {
    server = await startFakeProviderServer('anthropic');
    const p = createAiSdkProvider({
      id: 'anthropic',
      api: 'anthropic',
      baseUrl: server.baseUrl,
      apiKey: 'k',
    });
    server.script({ kind: 'answer' }, { kind: 'answer' });
    await p.generate(
      call('anthropic/claude-sonnet-4-5', { reasoningEffort: 'medium', maxOutputTokens: 1000 }),
    );
    expect(server.requests[0]?.body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    await p.generate(call('anthropic/claude-sonnet-4-5', { reasoningEffort: 'none' }));
    expect(server.requests[1]?.body.thinking).toEqual({ type: 'disabled' });
  });
});
