import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on loopback that speaks a provider's wire format, shaped like the providers'
 * documented examples: OpenAI Chat Completions (`POST /v1/chat/completions`), OpenAI Responses
 * (`POST /v1/responses`) and Anthropic Messages (`POST /v1/messages`), each plain or streamed as
 * server-sent events when the request asks (`stream: true`). Each request takes the next scripted
 * behaviour (then `answer` with the defaults); every request is recorded with its body, and
 * whether the client closed the connection before the answer was complete.
 */
export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic';

export interface AnswerSpec {
  text?: string;
  /** Pieces the streamed answer is cut into; defaults to the words of `text`. */
  chunks?: string[];
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  cachedTokens?: number;
  model?: string;
}

export type Behaviour =
  | ({ kind: 'answer' } & AnswerSpec)
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'malformed' }
  /** Accepts the request and never answers (streamed: sends the headers and a first chunk, then stalls). */
  | { kind: 'hang' }
  /** Holds the request until `until` resolves, then answers (a model call the test lets finish). */
  | ({ kind: 'wait'; until: Promise<void> } & AnswerSpec);

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** True once the client hung up before the server finished its answer. */
  closedEarly: boolean;
  /** Resolves when the client hangs up early. */
  closed: Promise<void>;
}

export interface FakeProviderServer {
  /** Base URL up to `/v1`, as the SDKs take it. */
  baseUrl: string;
  requests: RecordedRequest[];
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

const DEFAULT_TEXT = 'Revenue grew 12% in the period.';

export interface FakeProviderOptions {
  /** Every answer waits this long before it is sent (a model that takes time); 0 unless set. */
  answerDelayMs?: number;
  /** Port on 127.0.0.1; a free one unless set. */
  port?: number;
}

export async function startFakeProviderServer(
  format: WireFormat,
  options: FakeProviderOptions = {},
): Promise<FakeProviderServer> {
  const delayMs = options.answerDelayMs ?? 0;
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      let notifyClosed = () => {};
      const record: RecordedRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>),
        closedEarly: false,
        closed: new Promise<void>((resolve) => {
          notifyClosed = resolve;
        }),
      };
      // A delayed server (the concurrency bench) answers thousands a second: it keeps no record.
      if (delayMs === 0) requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) {
          record.closedEarly = true;
          notifyClosed();
        }
      });
      const behaviour = queue.shift() ?? { kind: 'answer' };
      if (delayMs === 0) respond(format, record, behaviour, res);
      else setTimeout(() => respond(format, record, behaviour, res), delayMs);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...behaviours) {
      queue.push(...behaviours);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function respond(
  format: WireFormat,
  record: RecordedRequest,
  behaviour: Behaviour,
  res: http.ServerResponse,
): void {
  const streamed = record.body.stream === true;
  switch (behaviour.kind) {
    case 'status':
      res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
      res.end(JSON.stringify(behaviour.body));
      return;
    case 'malformed':
      res.writeHead(200, { 'content-type': streamed ? 'text/event-stream' : 'application/json' });
      res.end(
        streamed
          ? 'data: {"id": "chatcmpl-1", "choices": [{"delta": \n\n'
          : '{"id": "chatcmpl-1", "object": "chat.com',
      );
      return;
    case 'wait': {
      const { until, ...answer } = behaviour;
      void until.then(() => {
        if (!res.destroyed) respond(format, record, { ...answer, kind: 'answer' }, res);
      });
      return;
    }
    case 'hang':
      if (streamed) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': waiting\n\n');
      }
      return;
    case 'answer': {
      const model = behaviour.model ?? String(record.body.model ?? 'model');
      const answer = { ...behaviour, model };
      if (!streamed) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
        res.end(JSON.stringify(plainBody(format, answer)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const event of streamEvents(format, answer)) {
        res.write(event.name ? `event: ${event.name}\ndata: ${event.data}\n\n` : `data: ${event.data}\n\n`);
      }
      res.end();
      return;
    }
    default: {
      const unreachable: never = behaviour;
      throw new Error(`unknown behaviour ${JSON.stringify(unreachable)}`);
    }
  }
}

type Answer = AnswerSpec & { model: string };

const textOf = (a: Answer) => a.text ?? DEFAULT_TEXT;
const chunksOf = (a: Answer) => a.chunks ?? textOf(a).split(/(?<= )/);
const counts = (a: Answer) => ({
  input: a.inputTokens ?? 19,
  output: a.outputTokens ?? 10,
  reasoning: a.reasoningTokens ?? 0,
  cached: a.cachedTokens ?? 0,
});

function plainBody(format: WireFormat, a: Answer): unknown {
  const c = counts(a);
  switch (format) {
    case 'openai-chat':
      return {
        id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
        object: 'chat.completion',
        created: 1741569952,
        model: a.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: textOf(a), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: chatUsage(c),
        service_tier: 'default',
      };
    case 'openai-responses':
      return responsesBody(a, 'completed');
    case 'anthropic':
      return {
        id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
        type: 'message',
        role: 'assistant',
        model: a.model,
        content: [
          ...(c.reasoning > 0
            ? [
                {
                  type: 'thinking',
                  thinking: 'Let me work through the figures.',
                  signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h',
                },
              ]
            : []),
          { type: 'text', text: textOf(a) },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: c.input - c.cached,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: c.cached,
          output_tokens: c.output + c.reasoning,
        },
      };
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

function chatUsage(c: ReturnType<typeof counts>) {
  return {
    prompt_tokens: c.input,
    completion_tokens: c.output + c.reasoning,
    total_tokens: c.input + c.output + c.reasoning,
    prompt_tokens_details: { cached_tokens: c.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: c.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function responsesBody(a: Answer, status: 'in_progress' | 'completed') {
  const c = counts(a);
  const done = status === 'completed';
  return {
    id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    object: 'response',
    created_at: 1741476542,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: a.model,
    output: done
      ? [
          ...(c.reasoning > 0
            ? [{ type: 'reasoning', id: 'rs_6820f383d7c08191846711c5df8233bc', summary: [] }]
            : []),
          {
            type: 'message',
            id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: textOf(a), annotations: [] }],
          },
        ]
      : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: c.input,
          input_tokens_details: { cached_tokens: c.cached },
          output_tokens: c.output + c.reasoning,
          output_tokens_details: { reasoning_tokens: c.reasoning },
          total_tokens: c.input + c.output + c.reasoning,
        }
      : null,
    user: null,
    metadata: {},
  };
}

function streamEvents(format: WireFormat, a: Answer): Array<{ name?: string; data: string }> {
  const c = counts(a);
  const json = (value: unknown) => JSON.stringify(value);
  switch (format) {
    case 'openai-chat': {
      const base = {
        id: 'chatcmpl-123',
        object: 'chat.completion.chunk',
        created: 1694268190,
        model: a.model,
        system_fingerprint: 'fp_44709d6fcb',
      };
      return [
        {
          data: json({
            ...base,
            choices: [
              { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
            ],
          }),
        },
        ...chunksOf(a).map((piece) => ({
          data: json({
            ...base,
            choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }],
          }),
        })),
        {
          data: json({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }),
        },
        { data: json({ ...base, choices: [], usage: chatUsage(c) }) },
        { data: '[DONE]' },
      ];
    }
    case 'openai-responses': {
      const itemId = 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b';
      let seq = 0;
      const event = (name: string, data: Record<string, unknown>) => ({
        name,
        data: json({ type: name, ...data, sequence_number: seq++ }),
      });
      const message = { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      return [
        event('response.created', { response: responsesBody(a, 'in_progress') }),
        event('response.in_progress', { response: responsesBody(a, 'in_progress') }),
        event('response.output_item.added', { output_index: 0, item: message }),
        event('response.content_part.added', {
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        }),
        ...chunksOf(a).map((delta) =>
          event('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta }),
        ),
        event('response.output_text.done', {
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          text: textOf(a),
        }),
        event('response.content_part.done', {
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', text: textOf(a), annotations: [] },
        }),
        event('response.output_item.done', {
          output_index: 0,
          item: {
            ...message,
            status: 'completed',
            content: [{ type: 'output_text', text: textOf(a), annotations: [] }],
          },
        }),
        event('response.completed', { response: responsesBody(a, 'completed') }),
      ];
    }
    case 'anthropic': {
      const event = (name: string, data: Record<string, unknown>) => ({
        name,
        data: json({ type: name, ...data }),
      });
      return [
        event('message_start', {
          message: {
            id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
            type: 'message',
            role: 'assistant',
            content: [],
            model: a.model,
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: c.input - c.cached,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: c.cached,
              output_tokens: 1,
            },
          },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        { name: 'ping', data: json({ type: 'ping' }) },
        ...chunksOf(a).map((text) =>
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
        ),
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: c.output + c.reasoning },
        }),
        event('message_stop', {}),
      ];
    }
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}
