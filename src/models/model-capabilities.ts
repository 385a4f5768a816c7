/**
 * What a model can do beyond plain text. Structured output (answering with JSON that fills a
 * given JSON Schema) is what file generation needs (SPEC D6): the simulated model, and the current
 * OpenAI and Anthropic models, have it. Older models of those providers and providers not listed
 * here (OpenAI-compatible endpoints such as Ollama vary by model) are refused for file steps.
 */
export interface Capability {
  supported: boolean;
  /** Why not, when not: shown to the user who saves the agent. */
  reason?: string;
}

const structuredOutputProviders = new Set(['simulated', 'openai', 'anthropic']);

/** Models of a listed provider that predate structured output (JSON Schema / tool input). */
const legacyModels: Record<string, RegExp> = {
  openai: /^(gpt-3\.5|gpt-4(-\d{4})?$|gpt-4-32k|davinci|babbage|curie|ada)/,
  anthropic: /^claude-(1|2|instant)/,
  // The simulated model that stands in for a text-only model in tests and demos.
  simulated: /^text-only$/,
};

export function structuredOutputSupport(modelId: string): Capability {
  const slash = modelId.indexOf('/');
  const provider = slash < 0 ? modelId : modelId.slice(0, slash);
  const model = slash < 0 ? '' : modelId.slice(slash + 1);
  if (!structuredOutputProviders.has(provider))
    return {
      supported: false,
      reason: `provider "${provider}" is not known to support structured output; use ${[...structuredOutputProviders].join(', ')}`,
    };
  if (legacyModels[provider]?.test(model))
    return { supported: false, reason: `model "${modelId}" does not support structured output` };
  return { supported: true };
}
