import { ProviderError } from '../platform/errors.ts';
import { type Capability, structuredOutputSupport } from './model-capabilities.ts';
import type { ModelProvider } from './model-provider.ts';

/**
 * The providers this server can call, by the prefix of a model id. Known but unconfigured
 * providers are listed so an agent can name them; a run that reaches one fails with a clear error.
 */
export interface ModelRegistry {
  /** Provider ids an agent may name. */
  readonly known: ReadonlySet<string>;
  /** The provider for `provider/model`; throws ProviderError when it is not configured. */
  resolveOrThrow(modelId: string): ModelProvider;
  isSimulated(modelId: string): boolean;
  /** Whether the model can fill a JSON Schema (file steps need it), and why not. */
  structuredOutput(modelId: string): Capability;
}

const configurable: Record<string, string> = {
  openai: 'set OPENAI_API_KEY',
  anthropic: 'set ANTHROPIC_API_KEY',
};

export function createModelRegistry(providers: ModelProvider[]): ModelRegistry {
  const byId = new Map(providers.map((p) => [p.id, p]));
  const known = new Set([...Object.keys(configurable), ...byId.keys()]);
  const providerOf = (modelId: string) => modelId.slice(0, Math.max(0, modelId.indexOf('/')));
  return {
    known,
    resolveOrThrow(modelId) {
      const id = providerOf(modelId);
      const provider = byId.get(id);
      if (provider) return provider;
      const hint = configurable[id];
      throw new ProviderError(
        hint
          ? `provider "${id}" is not configured: ${hint}`
          : `unknown provider "${id}" in model "${modelId}"`,
      );
    },
    isSimulated: (modelId) => byId.get(providerOf(modelId))?.simulated ?? false,
    structuredOutput: structuredOutputSupport,
  };
}
