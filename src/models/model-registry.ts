import { ProviderError } from '../platform/errors.ts';
import { type Capability, structuredOutputSupport } from './model-capabilities.ts';
import type { ModelProvider } from './model-provider.ts';

/**
 * The providers this server can call, by the prefix of a model id: the built-in ones (simulated,
 * and OpenAI / Anthropic when the environment configures them) and each organization's named
 * OpenAI-compatible endpoints (Settings API). Known but unconfigured providers are listed so an
 * agent can name them; a run that reaches one fails with a clear error.
 */
export interface ModelRegistry {
  /** Built-in provider ids an agent may name. */
  readonly known: ReadonlySet<string>;
  /** Built-in and named provider ids an agent of `orgId` may name. */
  knownForOrg(orgId: string): Promise<ReadonlySet<string>>;
  /** The built-in provider for `provider/model`; throws ProviderError when it is not configured. */
  resolveOrThrow(modelId: string): ModelProvider;
  /** The provider for `provider/model` as `orgId` sees it (built-in first, then named). */
  resolveForOrgOrThrow(orgId: string, modelId: string): Promise<ModelProvider>;
  isSimulated(modelId: string): boolean;
  /** Whether the model can fill a JSON Schema (file steps need it), and why not. */
  structuredOutput(modelId: string): Capability;
  /** Forget `orgId`'s named providers (they changed); the next call reads them again. */
  invalidate(orgId: string): void;
}

/** Where an organization's named providers come from (`named-providers.ts`, over the store). */
export interface NamedProviderSource {
  load(orgId: string): Promise<ModelProvider[]>;
}

export interface ModelRegistryOptions {
  named?: NamedProviderSource;
  /** Milliseconds since the epoch; with `cacheMs`, other processes' edits are seen within that time. */
  now?: () => number;
  cacheMs?: number;
}

/** Names a provider may take only by being configured in the environment. */
export const reservedProviderIds = ['openai', 'anthropic', 'simulated'] as const;

const configurable: Record<string, string> = {
  openai: 'set OPENAI_API_KEY (and OPENAI_BASE_URL for another endpoint)',
  anthropic: 'set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for another endpoint)',
};

export const providerIdOf = (modelId: string): string => modelId.slice(0, Math.max(0, modelId.indexOf('/')));

export function createModelRegistry(
  providers: ModelProvider[],
  options: ModelRegistryOptions = {},
): ModelRegistry {
  const byId = new Map(providers.map((p) => [p.id, p]));
  const known = new Set([...Object.keys(configurable), ...byId.keys()]);
  const cacheMs = options.cacheMs ?? 30_000;
  const cache = new Map<string, { at: number; providers: Promise<Map<string, ModelProvider>> }>();
  const namedFor = (orgId: string): Promise<Map<string, ModelProvider>> => {
    if (!options.named) return Promise.resolve(new Map());
    const now = options.now?.() ?? 0;
    const hit = cache.get(orgId);
    if (hit && (options.now === undefined || now - hit.at < cacheMs)) return hit.providers;
    const loaded = options.named.load(orgId).then((list) => new Map(list.map((p) => [p.id, p])));
    loaded.catch(() => cache.delete(orgId));
    cache.set(orgId, { at: now, providers: loaded });
    return loaded;
  };
  const notConfigured = (id: string, modelId: string) => {
    const hint = configurable[id];
    return new ProviderError(
      hint ? `provider "${id}" is not configured: ${hint}` : `unknown provider "${id}" in model "${modelId}"`,
      false,
      { kind: 'not_configured' },
    );
  };
  return {
    known,
    async knownForOrg(orgId) {
      const named = await namedFor(orgId);
      return new Set([...known, ...named.keys()]);
    },
    resolveOrThrow(modelId) {
      const id = providerIdOf(modelId);
      const provider = byId.get(id);
      if (provider) return provider;
      throw notConfigured(id, modelId);
    },
    async resolveForOrgOrThrow(orgId, modelId) {
      const id = providerIdOf(modelId);
      const provider = byId.get(id) ?? (await namedFor(orgId)).get(id);
      if (provider) return provider;
      throw notConfigured(id, modelId);
    },
    isSimulated: (modelId) => byId.get(providerIdOf(modelId))?.simulated ?? false,
    invalidate(orgId) {
      cache.delete(orgId);
    },
    structuredOutput: structuredOutputSupport,
  };
}
