import type { Deps } from '../deps.ts';
import { loadTokenizer } from './count-tokens.ts';

/**
 * Loads the tokenizer at start (`serve`, `worker`) when this deployment can call a model it counts
 * for: an OpenAI or Anthropic key or base URL in the environment, or a named provider of any
 * organization. Loaded there, its ~330 ms never stall the requests and runs in flight of the first
 * estimate. It costs 20–45 MB of RSS (idle `serve` ~155 → 175–205 MB), which a deployment on the
 * simulated model alone never needs; one that adds its first provider later loads it at its first
 * estimate. True when it was loaded.
 */
export async function preloadTokenizer(deps: Pick<Deps, 'config' | 'store'>): Promise<boolean> {
  if (!(await countsWithTokenizer(deps))) return false;
  loadTokenizer();
  return true;
}

async function countsWithTokenizer({ config, store }: Pick<Deps, 'config' | 'store'>): Promise<boolean> {
  const { openaiApiKey, openaiBaseUrl, anthropicApiKey, anthropicBaseUrl } = config.models;
  if ([openaiApiKey, openaiBaseUrl, anthropicApiKey, anthropicBaseUrl].some((v) => v !== undefined))
    return true;
  const provider = await store.db.selectFrom('model_providers').select('id').limit(1).executeTakeFirst();
  return provider !== undefined;
}
