import type { ModelConfig } from '../platform/config.ts';
import { createAiSdkProvider } from './ai-sdk-provider.ts';
import type { ModelProvider } from './model-provider.ts';

/**
 * OpenAI and Anthropic as the environment configures them: a provider exists when its key or its
 * base URL is set (a local gateway may need no key). `OPENAI_API=chat` sends `openai/…` models to
 * Chat Completions instead of the Responses API.
 */
export function envProviders(config: ModelConfig): ModelProvider[] {
  const providers: ModelProvider[] = [];
  if (config.openaiApiKey !== undefined || config.openaiBaseUrl !== undefined) {
    providers.push(
      createAiSdkProvider({
        id: 'openai',
        api: config.openaiApi === 'chat' ? 'openai-chat' : 'openai-responses',
        baseUrl: config.openaiBaseUrl,
        apiKey: config.openaiApiKey,
      }),
    );
  }
  if (config.anthropicApiKey !== undefined || config.anthropicBaseUrl !== undefined) {
    providers.push(
      createAiSdkProvider({
        id: 'anthropic',
        api: 'anthropic',
        baseUrl: config.anthropicBaseUrl,
        apiKey: config.anthropicApiKey,
      }),
    );
  }
  return providers;
}
