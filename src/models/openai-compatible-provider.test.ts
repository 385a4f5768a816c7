import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeProviderServer, startFakeProviderServer } from '../../test/support/fake-provider-server.ts';
import { ProviderError } from '../platform/errors.ts';
import type { StepToolSet } from '../tools/step-tool-set.ts';
import type { ModelCall } from './model-provider.ts';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.ts';

// The wire behaviour every provider shares (answers, streams, status codes, unreachable servers) is
// tested for this provider with the others in ai-sdk-provider.test.ts; here, what is its own.

const call = (extra: Partial<ModelCall> = {}): ModelCall => ({
  model: 'vllm/qwen3-8b',
  prompt: 'Summarize the quarter for Acme.',
  outputFormat: 'text',
  signal: new AbortController().signal,
  stepNumber: 1,
  ...extra,
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => e,
  );
}

/**
 * A server that answers every request with `body`, as written (server-sent events unless told); a
 * body given in pieces goes out one piece at a time, 20 ms apart.
 */
async function rawEventServer(
  body: string | Buffer[],
  contentType = 'text/event-stream',
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': contentType });
      if (typeof body === 'string') return res.end(body);
      for (const piece of body) {
        res.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const chunk = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

describe('OpenAI-compatible provider (Chat Completions over undici)', () => {
  let server: FakeProviderServer | undefined;
  let raw: { baseUrl: string; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await server?.close();
    await raw?.close();
    server = undefined;
    raw = undefined;
  });

  it('sends reasoning effort as reasoning_effort (none sends nothing) and reads reasoning and cached tokens', async () => {
    server = await startFakeProviderServer('openai-chat');
    const p = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: server.baseUrl });
    server.script(
      { kind: 'answer', outputTokens: 20, reasoningTokens: 64, cachedTokens: 4, model: 'qwen3-8b-awq' },
      { kind: 'answer' },
    );
    const answer = await p.generate(call({ reasoningEffort: 'low', system: 'Be brief.' }));
    const sent = server.requests[0]?.body;
    expect(sent?.reasoning_effort).toBe('low');
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Summarize the quarter for Acme.' },
    ]);
    expect(sent?.stream).toBeUndefined();
    expect(answer.usage).toEqual({
      inputTokens: 19,
      outputTokens: 20,
      reasoningTokens: 64,
      cachedInputTokens: 4,
    });
    expect(answer.responseModel).toBe('qwen3-8b-awq');
    expect(p.optionsFor?.({ reasoningEffort: 'low' })).toEqual({ vllm: { reasoningEffort: 'low' } });

    await p.generate(call({ reasoningEffort: 'none' }));
    expect(server.requests[1]?.body).not.toHaveProperty('reasoning_effort');
    expect(server.requests[1]?.body.messages).toEqual([
      { role: 'user', content: 'Summarize the quarter for Acme.' },
    ]);
  });

  it('asks a stream for its usage, sends the configured headers with the key, and no key when there is none', async () => {
    server = await startFakeProviderServer('openai-chat');
    const keyed = createOpenAICompatibleProvider({
      id: 'azure',
      baseUrl: `${server.baseUrl}/`,
      apiKey: 'sk-1',
      headers: { 'api-key': 'azure-key', 'x-team': 'finance' },
    });
    await keyed.generate(call({ model: 'azure/gpt-4.1', onDelta: () => {} }));
    const first = server.requests[0];
    expect(first?.path).toBe('/v1/chat/completions');
    expect(first?.body.stream_options).toEqual({ include_usage: true });
    expect(first?.headers.authorization).toBe('Bearer sk-1');
    expect(first?.headers['api-key']).toBe('azure-key');
    expect(first?.headers['x-team']).toBe('finance');

    const open = createOpenAICompatibleProvider({ id: 'ollama', baseUrl: server.baseUrl });
    await open.generate(call({ model: 'ollama/llama3.2' }));
    expect(server.requests[1]?.headers.authorization).toBeUndefined();
    expect(server.requests[1]?.body.model).toBe('llama3.2');
  });

  it('aborts the request when the call is canceled mid-stream', async () => {
    server = await startFakeProviderServer('openai-chat');
    const p = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: server.baseUrl });
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const reason = new Error('run canceled');
    const pending = p.generate(call({ signal: controller.signal, onDelta: () => {} }));
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(reason);
    expect(await failureOf(pending)).toBe(reason);
    await server.requests[0]?.closed;
    expect(server.requests[0]?.closedEarly).toBe(true);
  });

  it('fails a stream that reports an error, and marks one cut off before the answer was complete retryable', async () => {
    raw = await rawEventServer(
      chunk({ model: 'm', choices: [{ index: 0, delta: { content: 'Acme ' } }] }) +
        chunk({ error: { message: 'The engine ran out of KV cache', code: 'overloaded' } }),
    );
    const broken = createOpenAICompatibleProvider({
      id: 'vllm',
      baseUrl: raw.baseUrl,
    });
    const deltas: string[] = [];
    const error = await failureOf(broken.generate(call({ onDelta: (d) => deltas.push(d) })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'failed', retryable: false });
    expect((error as Error).message).toContain('The engine ran out of KV cache');
    expect(deltas).toEqual(['Acme ']);
    await raw.close();

    raw = await rawEventServer(chunk({ model: 'm', choices: [{ index: 0, delta: { content: 'Acme ' } }] }));
    const cut = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: raw.baseUrl });
    const cutError = await failureOf(cut.generate(call({ onDelta: () => {} })));
    expect(cutError).toMatchObject({ kind: 'bad_response', retryable: true });
    expect((cutError as Error).message).toContain('before the answer was complete');
  });

  it('reads content given as parts and a refusal, and a finish without [DONE]', async () => {
    raw = await rawEventServer(
      chunk({
        model: 'm',
        choices: [
          {
            index: 0,
            delta: {
              content: [
                { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
                { type: 'text', text: 'Acme ' },
              ],
            },
          },
        ],
      }) +
        chunk({ choices: [{ index: 0, delta: { refusal: 'cannot say more.' }, finish_reason: 'stop' }] }) +
        chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }),
    );
    const p = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: raw.baseUrl });
    const deltas: string[] = [];
    const answer = await p.generate(call({ onDelta: (d) => deltas.push(d) }));
    expect(answer.text).toBe('Acme cannot say more.');
    expect(deltas).toEqual(['Acme ', 'cannot say more.']);
    expect(answer.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('keeps a character whose bytes arrive in two pieces whole', async () => {
    const event = Buffer.from(chunk({ choices: [{ delta: { content: 'Café ☕' }, finish_reason: 'stop' }] }));
    const middleOfE = event.indexOf(Buffer.from('é')) + 1;
    const middleOfCup = event.indexOf(Buffer.from('☕')) + 2;
    raw = await rawEventServer([
      event.subarray(0, middleOfE),
      event.subarray(middleOfE, middleOfCup),
      event.subarray(middleOfCup),
      Buffer.from('data: [DONE]\n\n'),
    ]);
    const provider = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: raw.baseUrl });
    const deltas: string[] = [];
    const answer = await provider.generate(call({ onDelta: (text) => deltas.push(text) }));
    expect(answer.text).toBe('Café ☕');
    expect(deltas).toEqual(['Café ☕']);
  });

  it('takes a whole answer from a server that does not stream although asked to', async () => {
    raw = await rawEventServer(
      JSON.stringify({
        model: 'llama3.2',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Acme grew.' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 3 },
      }),
      'application/json',
    );
    const p = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: raw.baseUrl });
    const deltas: string[] = [];
    const answer = await p.generate(call({ onDelta: (d) => deltas.push(d) }));
    expect(answer).toMatchObject({ text: 'Acme grew.', usage: { inputTokens: 5, outputTokens: 3 } });
    expect(deltas).toEqual(['Acme grew.']);
  });

  it('hands a step with tools to the AI SDK tool loop on the same endpoint', async () => {
    server = await startFakeProviderServer('openai-chat');
    const p = createOpenAICompatibleProvider({ id: 'vllm', baseUrl: server.baseUrl, apiKey: 'k' });
    const tools: StepToolSet = {
      tools: {
        lookup: tool({
          description: 'Looks a customer up',
          inputSchema: z.object({ name: z.string() }),
          execute: async () => ({ found: true }),
        }),
      },
      maxRounds: 2,
      failure: undefined,
      refuseInvalid: async (_name, _input, reason) => new Error(reason),
    };
    server.script({ kind: 'answer', text: 'No lookup needed.' });
    const answer = await p.generate(call({ tools }));
    expect(answer.text).toBe('No lookup needed.');
    const sent = server.requests[0]?.body as { tools?: Array<{ function: { name: string } }> };
    expect(sent.tools?.map((t) => t.function.name)).toEqual(['lookup']);
  });
});
