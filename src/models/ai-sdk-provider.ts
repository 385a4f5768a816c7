import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { type CallWarning, generateText, type LanguageModel, type LanguageModelUsage, streamText } from 'ai';
import { AppError, ProviderError } from '../platform/errors.ts';
import { runToolLoop, type ToolLoopRequest } from '../tools/run-tool-loop.ts';
import type { StepToolSet } from '../tools/step-tool-set.ts';
import { classifyProviderError } from './classify-provider-error.ts';
import type { ModelAnswer, ModelCall, ModelProvider, Usage } from './model-provider.ts';
import { providerOptionsFor } from './reasoning-options.ts';

/**
 * The wire format a provider speaks:
 * - `openai-responses`: OpenAI's Responses API (`POST /responses`);
 * - `openai-chat`: OpenAI's Chat Completions (`POST /chat/completions`);
 * - `anthropic`: Anthropic's Messages API (`POST /messages`);
 * - `openai-compatible`: Chat Completions at another base URL (Ollama, vLLM, LM Studio, Azure OpenAI v1).
 */
export type ProviderApi = 'openai-responses' | 'openai-chat' | 'anthropic' | 'openai-compatible';

export interface AiSdkProviderSettings {
  /** The `provider` of `provider/model` ids this answers for. */
  id: string;
  api: ProviderApi;
  /** Base URL up to the API version, e.g. `https://api.openai.com/v1`; the SDK's default when unset. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * A provider through the Vercel AI SDK, adapted to the `ModelProvider` seam: one HTTP call per
 * `generate` (the SDK's own retries are off; `call-model.ts` retries with Retry-After), streamed
 * when the call asks for deltas, aborted by the call's signal, failures as typed ProviderErrors.
 * The SDK client is built on first use, from settings handed in (never from `process.env`).
 */
export function createAiSdkProvider(settings: AiSdkProviderSettings): ModelProvider {
  // The SDK prints its warnings (a setting the model ignores) to the console; each step records
  // them in what it used instead.
  globalThis.AI_SDK_LOG_WARNINGS = false;
  let factory: ((modelName: string) => LanguageModel) | undefined;
  const modelFor = (modelName: string): LanguageModel => {
    factory ??= buildFactory(settings);
    return factory(modelName);
  };
  return {
    id: settings.id,
    simulated: false,
    optionsFor: (call) => providerOptionsFor(settings.api, settings.id, call),
    async generate(call: ModelCall): Promise<ModelAnswer> {
      const modelName = call.model.slice(settings.id.length + 1);
      const request = {
        model: modelFor(modelName),
        ...(call.system === undefined ? {} : { system: call.system }),
        prompt: call.prompt,
        ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
        ...(call.maxOutputTokens === undefined ? {} : { maxOutputTokens: call.maxOutputTokens }),
        providerOptions: providerOptionsFor(settings.api, settings.id, call),
        maxRetries: 0,
        abortSignal: call.signal,
      };
      if (call.tools) return generateWithTools(request, call, call.tools, settings.id);
      try {
        if (!call.onDelta) {
          const result = await generateText(request);
          return {
            text: result.text,
            usage: toUsage(result.usage),
            responseModel: result.response.modelId,
            warnings: warningsOf(result.warnings),
          };
        }
        const onDelta = call.onDelta;
        const result = streamText({ ...request, onError: () => undefined });
        let text = '';
        let usage: LanguageModelUsage | undefined;
        let streamError: unknown;
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            text += part.text;
            onDelta(part.text);
          } else if (part.type === 'finish') {
            usage = part.totalUsage;
          } else if (part.type === 'error') {
            streamError = part.error;
          } else if (part.type === 'abort') {
            throw call.signal.reason ?? new ProviderError('the model call was aborted');
          }
        }
        if (streamError !== undefined) throw streamError;
        if (!usage)
          throw new ProviderError('the stream ended without a finish event', true, { kind: 'bad_response' });
        const response = await result.response;
        return {
          text,
          usage: toUsage(usage),
          responseModel: response.modelId,
          warnings: warningsOf(await result.warnings),
        };
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        throw classifyProviderError(error, call.model, settings.id);
      }
    },
  };
}

/**
 * A tool step: the AI SDK's loop over model rounds and tool calls (`tools/run-tool-loop.ts`),
 * not streamed; the final text goes out as one delta. The SDK retries each round's request
 * (twice), since the step as a whole is not retried once its tools have run.
 */
async function generateWithTools(
  request: Omit<ToolLoopRequest, 'maxRetries'>,
  call: ModelCall,
  tools: StepToolSet,
  providerId: string,
): Promise<ModelAnswer> {
  try {
    const result = await runToolLoop({ ...request, maxRetries: 2 }, tools);
    call.onDelta?.(result.text);
    return {
      text: result.text,
      usage: toUsage(result.totalUsage),
      responseModel: result.response.modelId,
      warnings: warningsOf(result.warnings),
    };
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    if (error instanceof AppError) throw error;
    throw classifyProviderError(error, call.model, providerId);
  }
}

function buildFactory(settings: AiSdkProviderSettings): (modelName: string) => LanguageModel {
  // An empty key would make the SDK read OPENAI_API_KEY / ANTHROPIC_API_KEY itself; config does that.
  const apiKey = settings.apiKey ?? '';
  const common = {
    apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
  };
  switch (settings.api) {
    case 'openai-responses': {
      const openai = createOpenAI(common);
      return (name) => openai.responses(name);
    }
    case 'openai-chat': {
      const openai = createOpenAI(common);
      return (name) => openai.chat(name);
    }
    case 'anthropic': {
      const anthropic = createAnthropic(common);
      return (name) => anthropic.messages(name);
    }
    case 'openai-compatible': {
      if (!settings.baseUrl) throw new ProviderError(`provider "${settings.id}" has no base URL`);
      const compatible = createOpenAICompatible({
        name: settings.id,
        baseURL: settings.baseUrl,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.headers ? { headers: settings.headers } : {}),
        includeUsage: true,
      });
      return (name) => compatible.chatModel(name);
    }
    default: {
      const unreachable: never = settings.api;
      throw new Error(`unknown provider API ${String(unreachable)}`);
    }
  }
}

/**
 * The SDK's usage in this project's terms: `outputTokens` is the visible answer and
 * `reasoningTokens` the hidden reasoning (OpenAI counts both in `completion_tokens`), and
 * `inputTokens` includes `cachedInputTokens` (priced lower).
 */
export function toUsage(usage: LanguageModelUsage): Usage {
  const reasoningTokens = usage.outputTokenDetails?.reasoningTokens ?? 0;
  const totalOutput = usage.outputTokens ?? 0;
  const outputTokens = usage.outputTokenDetails?.textTokens ?? Math.max(0, totalOutput - reasoningTokens);
  const cachedInputTokens = usage.inputTokenDetails?.cacheReadTokens ?? 0;
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens,
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
    ...(cachedInputTokens > 0 ? { cachedInputTokens } : {}),
  };
}

/** "temperature: not supported for reasoning models": what the SDK left out or changed. */
function warningsOf(warnings: CallWarning[] | undefined): string[] {
  return (warnings ?? []).map((w) =>
    w.type === 'other' ? w.message : `${w.feature}: ${w.type}${w.details ? ` (${w.details})` : ''}`,
  );
}
