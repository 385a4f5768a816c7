import { createParser } from 'eventsource-parser';
import { type Dispatcher, errors as undiciErrors } from 'undici';
import { messageOf, ProviderError } from '../platform/errors.ts';
import { createAiSdkProvider } from './ai-sdk-provider.ts';
import { classifyHttpFailure, classifyProviderError } from './classify-provider-error.ts';
import type { ModelAnswer, ModelCall, ModelProvider, Usage } from './model-provider.ts';
import { postForText, postTarget, type ResponseHead, type TextSink } from './post-for-text.ts';
import { providerOptionsFor } from './reasoning-options.ts';

export interface OpenAICompatibleSettings {
  /** The organization's name for the endpoint: the `provider` of its `provider/model` ids. */
  id: string;
  /** Base URL up to the API version, e.g. `http://localhost:11434/v1`. */
  baseUrl: string;
  apiKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** The connections the requests go over (`idle-stack-pool.ts`); undici's global agent when absent. */
  dispatcher?: Dispatcher | undefined;
}

/**
 * An OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, Azure OpenAI v1): Chat Completions
 * spoken directly over undici's dispatcher (`post-for-text.ts`), one request per call, the stream read
 * with `eventsource-parser`.
 *
 * Why not the AI SDK for these calls: a self-hosted server is where thousands of runs wait on the
 * model at once, and the SDK's path (fetch, five web TransformStreams, zod on every chunk) costs
 * ~6.8 ms of CPU per streamed call on this project's 2-core machine, capping one process at
 * ~170 calls/s; this path costs ~0.26 ms (bench/concurrency). Calls with tools still go through the
 * SDK's tool loop (`ai-sdk-provider.ts`), which a tool step's few model rounds can afford.
 *
 * The request is what `@ai-sdk/openai-compatible` sends: system and user messages, `max_tokens`,
 * `temperature`, `reasoning_effort`, and `stream_options.include_usage` when streamed. Failures are
 * classified as the SDK's are (`classifyHttpFailure`); the call's signal aborts the request.
 */
export function createOpenAICompatibleProvider(settings: OpenAICompatibleSettings): ModelProvider {
  const withTools = createAiSdkProvider({ ...settings, api: 'openai-compatible' });
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const target = postTarget(url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
    ...settings.headers,
  };
  const optionsFor = (call: Pick<ModelCall, 'reasoningEffort'>) =>
    providerOptionsFor('openai-compatible', settings.id, call);
  return {
    id: settings.id,
    simulated: false,
    optionsFor,
    async generate(call: ModelCall): Promise<ModelAnswer> {
      if (call.tools) return withTools.generate(call);
      const modelName = call.model.slice(settings.id.length + 1);
      const streamed = call.onDelta !== undefined;
      const effort = optionsFor(call)[settings.id]?.reasoningEffort;
      const body = JSON.stringify({
        model: modelName,
        ...(call.maxOutputTokens === undefined ? {} : { max_tokens: call.maxOutputTokens }),
        ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
        ...(effort === undefined ? {} : { reasoning_effort: effort }),
        messages: [
          ...(call.system === undefined ? [] : [{ role: 'system', content: call.system }]),
          { role: 'user', content: call.prompt },
        ],
        ...(streamed ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
      const failed = (message: string, kind: 'bad_response' | 'failed', retryable = false) =>
        new ProviderError(`${settings.id} ${message} for ${call.model}`, retryable, { kind });
      try {
        const answer = newAnswer();
        let failure: { head: ResponseHead; text: string } | undefined;
        let whole: string | undefined;
        let done = false;
        await postForText(
          target,
          { headers, body, signal: call.signal, dispatcher: settings.dispatcher },
          (head): TextSink => {
            if (head.status < 200 || head.status > 299) {
              // The start of an error answer: enough to say what went wrong, never a whole runaway body.
              const refused = { head, text: '' };
              failure = refused;
              return (text) => {
                refused.text += text;
                return refused.text.length < ERROR_BODY_LIMIT;
              };
            }
            if (!(head.header('content-type') ?? '').startsWith('text/event-stream')) {
              // Not streamed, or a server that answers in one piece although asked to stream.
              whole = '';
              return (text) => {
                whole += text;
                return true;
              };
            }
            const parser = createParser({
              onEvent(event) {
                if (event.data === '[DONE]') done = true;
                else readChunk(answer, parseJson(event.data, failed), call.onDelta, failed);
              },
            });
            return (text) => {
              parser.feed(text);
              return true;
            };
          },
        );
        if (failure) {
          const { head, text } = failure;
          throw classifyHttpFailure(
            {
              url,
              status: head.status,
              responseHeaders: head.headers(),
              responseBody: text.slice(0, ERROR_BODY_LIMIT),
              message: `HTTP ${head.status}`,
              cause: undefined,
            },
            call.model,
            settings.id,
          );
        }
        if (whole !== undefined) {
          readCompletion(answer, parseJson(whole, failed), failed);
          if (answer.text !== '') call.onDelta?.(answer.text);
        } else if (!done && !answer.finished) {
          throw failed('ended the stream before the answer was complete', 'bad_response', true);
        }
        return {
          text: answer.text,
          usage: usageOf(answer.usage),
          ...(answer.model === undefined ? {} : { responseModel: answer.model }),
          warnings: [],
        };
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        if (isNetworkError(error)) {
          throw classifyHttpFailure(
            { url, message: messageOf(error), cause: error },
            call.model,
            settings.id,
          );
        }
        // A ProviderError as it is; anything else as the SDK path reports it.
        throw classifyProviderError(error, call.model, settings.id);
      }
    },
  };
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** What a Chat Completions answer has said so far. */
interface PartialAnswer {
  text: string;
  model: string | undefined;
  usage: WireUsage | undefined;
  /** A choice said why it stopped (`finish_reason`). */
  finished: boolean;
}

interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Content as a string, or as parts (`{ type: 'text', text }`; thinking parts are not the answer). */
type WireContent = string | Array<{ type?: string; text?: unknown }> | null | undefined;

interface WireMessage {
  content?: WireContent;
  refusal?: string | null;
}

interface WireCompletion {
  model?: string | null;
  usage?: WireUsage | null;
  choices?: Array<{
    delta?: WireMessage | null;
    message?: WireMessage | null;
    finish_reason?: string | null;
  }>;
  error?: { message?: unknown } | null;
}

type Failed = (message: string, kind: 'bad_response' | 'failed', retryable?: boolean) => ProviderError;

const newAnswer = (): PartialAnswer => ({ text: '', model: undefined, usage: undefined, finished: false });

function parseJson(text: string, failed: Failed): WireCompletion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw failed(`sent an answer that could not be read (not JSON: ${text.slice(0, 80)})`, 'bad_response');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw failed('sent an answer that could not be read (not a JSON object)', 'bad_response');
  }
  return value as WireCompletion;
}

/** One streamed `chat.completion.chunk`: its text goes to `onDelta` as it comes. */
function readChunk(
  answer: PartialAnswer,
  chunk: WireCompletion,
  onDelta: ((text: string) => void) | undefined,
  failed: Failed,
): void {
  if (chunk.error) throw failed(`reported an error (${errorMessage(chunk.error)})`, 'failed');
  answer.model ??= chunk.model ?? undefined;
  if (chunk.usage) answer.usage = chunk.usage;
  const choice = chunk.choices?.[0];
  if (!choice) return;
  if (choice.finish_reason) answer.finished = true;
  const text = textOf(choice.delta);
  if (text === '') return;
  answer.text += text;
  onDelta?.(text);
}

/** A whole `chat.completion`. */
function readCompletion(answer: PartialAnswer, completion: WireCompletion, failed: Failed): void {
  if (completion.error) throw failed(`reported an error (${errorMessage(completion.error)})`, 'failed');
  const choice = completion.choices?.[0];
  if (!choice?.message) throw failed('sent an answer with no message', 'bad_response');
  answer.model = completion.model ?? undefined;
  answer.usage = completion.usage ?? undefined;
  answer.finished = true;
  answer.text = textOf(choice.message);
}

function textOf(message: WireMessage | null | undefined): string {
  if (!message) return '';
  const { content, refusal } = message;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const part of content) if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return refusal ? text + refusal : text;
}

const errorMessage = (error: { message?: unknown }) =>
  typeof error.message === 'string' ? error.message : JSON.stringify(error);

/** The usage in this project's terms (as `toUsage` reads the SDK's): reasoning apart, cached within input. */
function usageOf(usage: WireUsage | undefined): Usage {
  const inputTokens = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  const cachedInputTokens = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens,
    outputTokens: Math.max(0, completion - reasoningTokens),
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
    ...(cachedInputTokens > 0 ? { cachedInputTokens } : {}),
  };
}

/** The server could not be reached, or the connection broke: worth another try. */
function isNetworkError(error: unknown): boolean {
  if (error instanceof undiciErrors.UndiciError) {
    return !(error instanceof undiciErrors.RequestAbortedError);
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code);
}
