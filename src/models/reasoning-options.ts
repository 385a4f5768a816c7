import type { ReasoningEffort } from '../agents/agent-definition.ts';
import type { ProviderApi } from './ai-sdk-provider.ts';
import type { ModelCall } from './model-provider.ts';

type JsonObject = Record<string, Record<string, string | number | boolean | Record<string, string | number>>>;

/**
 * Anthropic thinks within a token budget rather than at a named effort. 1024 is the smallest
 * budget the Messages API accepts; each level above roughly quadruples, up to where Anthropic's
 * docs say returns diminish for most tasks (about 32k).
 */
export const anthropicThinkingBudget: Record<Exclude<ReasoningEffort, 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24_576,
};

/**
 * A step's reasoning effort in each provider's own option: OpenAI's `reasoningEffort` (sent as
 * `reasoning.effort` on Responses, `reasoning_effort` on Chat Completions), Anthropic's
 * `thinking` budget (none disables thinking), and `reasoning_effort` for OpenAI-compatible
 * servers (vLLM and Ollama read it for reasoning models). No effort set: nothing is sent.
 */
export function providerOptionsFor(
  api: ProviderApi,
  providerId: string,
  call: Pick<ModelCall, 'reasoningEffort'>,
): JsonObject {
  const effort = call.reasoningEffort;
  if (effort === undefined) return {};
  switch (api) {
    case 'openai-responses':
    case 'openai-chat':
      return { openai: { reasoningEffort: effort } };
    case 'anthropic':
      return {
        anthropic: {
          thinking:
            effort === 'none'
              ? { type: 'disabled' }
              : { type: 'enabled', budgetTokens: anthropicThinkingBudget[effort] },
        },
      };
    case 'openai-compatible':
      return effort === 'none' ? {} : { [providerId]: { reasoningEffort: effort } };
    default: {
      const unreachable: never = api;
      return unreachable;
    }
  }
}
